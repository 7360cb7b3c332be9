"""How fast and in how much memory a claims package is read (docs/benchmark.md, "Claims
packages").

    .venv/bin/python scripts/claims_package_benchmark.py --episodes 2000 20000

writes a package of N episodes (each an XML1 row, 5 drug lines, 5 service lines, as
QĐ 130 tags them) and reads it, in a fresh process per size, for the three datasets it
delivers, as the night does (one `read_batches` per dataset, in that order); prints CPU
seconds, episodes/s, rows/s and the peak resident set (`--repeats`: the median of several
reads, each in a fresh process). `--parts` also times the parts of a read on one core:
base64, the inner XML parse and the building of the rows. `--inner` times ways of parsing the
decoded tables into rows, rounds alternated, median of `--repeats`: the reader's tree
builder, a pyexpat parser whose handlers keep only leaf text, a validating regular
expression, and one tree parse per episode (each checked to give the reader's rows).
"""

from __future__ import annotations

import argparse
import base64
import json
import pyexpat
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree.ElementTree import TreeBuilder, XMLParser
from xml.sax.saxutils import escape

DATASETS = ("visits", "visit_drugs", "visit_services")


def _visit(i: int) -> dict[str, str]:
    return {
        "MA_LK": f"26112401{i:08d}",
        "STT": "1",
        "MA_BN": f"BN{i:07d}",
        "HO_TEN": "Nguyễn Văn An",
        "SO_CCCD": "001090012345",
        "NGAY_SINH": "199005170000",
        "GIOI_TINH": "1",
        "NHOM_MAU": "",
        "MA_QUOCTICH": "000",
        "MA_DANTOC": "01",
        "MA_NGHE_NGHIEP": "00000",
        "DIA_CHI": "Số 1, phường Ba Đình, Hà Nội",
        "MATINH_CU_TRU": "01",
        "MAXA_CU_TRU": "00070",
        "DIEN_THOAI": "",
        "MA_THE_BHYT": "DN4010123456789",
        "MA_DKBD": "01001",
        "GT_THE_TU": "20260101",
        "GT_THE_DEN": "20261231",
        "LY_DO_VV": "Sốt, ho",
        "CHAN_DOAN_VAO": "Viêm phổi",
        "CHAN_DOAN_RV": "Viêm phổi",
        "MA_BENH_CHINH": "J18.9",
        "MA_BENH_KT": "I10;E11.9",
        "MA_DOITUONG_KCB": "1.1",
        "NGAY_VAO": "202611200830",
        "NGAY_VAO_NOI_TRU": "202611200900",
        "NGAY_RA": "202611221000",
        "SO_NGAY_DTRI": "2",
        "KET_QUA_DTRI": "1",
        "MA_LOAI_RV": "1",
        "T_THUOC": "150000",
        "T_VTYT": "400000",
        "T_TONGCHI_BV": "1150000",
        "T_TONGCHI_BH": "1150000",
        "T_BNTT": "0",
        "T_BNCCT": "230000",
        "T_BHTT": "920000",
        "T_NGUONKHAC": "0",
        "MA_LOAI_KCB": "03",
        "MA_KHOA": "K03",
        "MA_CSKCB": "01001",
        "CAN_NANG": "60",
        "NGAY_TTOAN": "202611221000",
    }


def _drug(lk: str, n: int) -> dict[str, str]:
    return {
        "MA_LK": lk,
        "STT": str(n),
        "MA_THUOC": "40.17",
        "MA_PP_CHEBIEN": "",
        "MA_CSKCB_THUOC": "",
        "MA_NHOM": "4",
        "TEN_THUOC": "Paracetamol 500mg",
        "DON_VI_TINH": "viên",
        "HAM_LUONG": "500mg",
        "DUONG_DUNG": "2.10",
        "DANG_BAO_CHE": "Viên nén",
        "LIEU_DUNG": "1 viên/lần x 2 lần/ngày",
        "CACH_DUNG": "Uống sau ăn",
        "SO_DANG_KY": "VD-12345-19",
        "TT_THAU": "G1;N1;2026",
        "PHAM_VI": "1",
        "TYLE_TT_BH": "100",
        "SO_LUONG": "20",
        "DON_GIA": "1500",
        "THANH_TIEN_BV": "30000",
        "THANH_TIEN_BH": "30000",
        "T_NGUONKHAC": "0",
        "MUC_HUONG": "80",
        "T_BHTT": "24000",
        "T_BNCCT": "6000",
        "T_BNTT": "0",
        "MA_KHOA": "K03",
        "MA_BAC_SI": "001234/BYT-CCHN",
        "MA_DICH_VU": "",
        "NGAY_YL": "202611201000",
        "NGAY_TH_YL": "202611201030",
        "MA_PTTT": "1",
    }


def _service(lk: str, n: int) -> dict[str, str]:
    supply = n == 1
    return {
        "MA_LK": lk,
        "STT": str(n),
        "MA_DICH_VU": "" if supply else "02.1896",
        "MA_PTTT_QT": "",
        "MA_VAT_TU": "N03.01.070" if supply else "",
        "MA_NHOM": "10" if supply else "13",
        "GOI_VTYT": "",
        "TEN_VAT_TU": "Bơm tiêm" if supply else "",
        "TEN_DICH_VU": "" if supply else "Khám Nội",
        "MA_XANG_DAU": "",
        "DON_VI_TINH": "cái" if supply else "lần",
        "PHAM_VI": "1",
        "SO_LUONG": "1",
        "DON_GIA_BV": "400000" if supply else "150000",
        "DON_GIA_BH": "400000" if supply else "150000",
        "TT_THAU": "",
        "TYLE_TT_DV": "100",
        "TYLE_TT_BH": "100",
        "THANH_TIEN_BV": "400000" if supply else "150000",
        "THANH_TIEN_BH": "400000" if supply else "150000",
        "T_TRANTT": "",
        "MUC_HUONG": "80",
        "T_NGUONKHAC": "0",
        "T_BNTT": "0",
        "T_BNCCT": "0",
        "T_BHTT": "0",
        "MA_KHOA": "K03",
        "MA_GIUONG": "",
        "MA_BAC_SI": "001234/BYT-CCHN",
        "NGUOI_THUC_HIEN": "001234/BYT-CCHN",
        "NGAY_YL": "202611201000",
        "NGAY_TH_YL": "202611201030",
        "NGAY_KQ": "202611201100",
    }


def _table(wrapper: str, row_tag: str, rows: list[dict[str, str]]) -> str:
    body = "".join(
        f"<{row_tag}>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in r.items()) + f"</{row_tag}>"
        for r in rows
    )
    xml = f'<?xml version="1.0" encoding="utf-8"?><{wrapper}><DSACH>{body}</DSACH></{wrapper}>'
    return base64.b64encode(xml.encode()).decode()


def episode(i: int, drugs: int = 5, services: int = 5) -> str:
    lk = f"26112401{i:08d}"
    tables = [
        ("XML1", _table("TONG_HOP_XML1", "TONG_HOP", [_visit(i)])),
        (
            "XML2",
            _table(
                "CHITIEU_CHITIET_THUOC",
                "CHI_TIET_THUOC",
                [_drug(lk, n) for n in range(1, drugs + 1)],
            ),
        ),
        (
            "XML3",
            _table(
                "CHITIEU_CHITIET_DVKT",
                "CHI_TIET_DVKT",
                [_service(lk, n) for n in range(1, services + 1)],
            ),
        ),
    ]
    files = "".join(
        f"<FILEHOSO><LOAIHOSO>{k}</LOAIHOSO><NOIDUNGFILE>{v}</NOIDUNGFILE></FILEHOSO>"
        for k, v in tables
    )
    return f"<HOSO>{files}</HOSO>"


def write_package(path: Path, episodes: int) -> None:
    """A package of `episodes` HOSO, written as it is built (flat memory)."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<GIAMDINHHS><THONGTINDONVI><MACSKCB>01001'
            "</MACSKCB></THONGTINDONVI><THONGTINHOSO><NGAYLAP>20261124</NGAYLAP>"
            f"<SOLUONGHOSO>{episodes}</SOLUONGHOSO><DANHSACHHOSO>"
        )
        for i in range(1, episodes + 1):
            fh.write(episode(i))
        fh.write("</DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>")


READ = """
import json, resource, sys, time
from pathlib import Path
from transforms.ingest.reading import read_batches
path = Path(sys.argv[1])
rows = {}
cpu, wall = time.process_time(), time.perf_counter()
for ds in sys.argv[3:]:
    rows[ds] = 0
    for b in read_batches(path, "xml", batch_rows=int(sys.argv[2]), max_bytes=10**11,
                          max_expanded_bytes=10**11, max_compression_ratio=200.0, dataset=ds):
        rows[ds] += len(b)
print(json.dumps({"rows": rows, "cpu": time.process_time() - cpu,
                  "wall": time.perf_counter() - wall,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(path: Path, episodes: int, batch_rows: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", READ, str(path), str(batch_rows), *DATASETS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = json.loads(out)
    total = sum(m["rows"].values())
    m["episodes"] = episodes
    m["episodes_per_s"] = episodes / m["cpu"]
    m["rows_per_s"] = total / m["cpu"]
    m["mib"] = path.stat().st_size / 2**20
    return m


def parts(episodes: int) -> dict[str, float]:
    """CPU seconds per episode of the parts of a read, on one core."""
    hoso = [episode(i) for i in range(1, episodes + 1)]
    payloads = [[p.split("</NOIDUNGFILE>")[0] for p in h.split("<NOIDUNGFILE>")[1:]] for h in hoso]
    t = time.process_time()
    raw = [[base64.b64decode(p) for p in ps] for ps in payloads]
    b64 = time.process_time() - t
    t = time.process_time()
    roots = []
    for ts in raw:
        for data in ts:
            parser = XMLParser()
            parser.feed(data)
            roots.append(parser.close())
    parse = time.process_time() - t
    t = time.process_time()
    n = 0
    for root in roots:
        for row in root[0]:
            rec = {c.tag: (c.text.strip() or None) if c.text else None for c in row}
            n += len(rec) > 0
    build = time.process_time() - t
    return {
        "base64_us": b64 / episodes * 1e6,
        "inner_parse_us": parse / episodes * 1e6,
        "row_build_us": build / episodes * 1e6,
        "rows": n,
    }


# --- ways of parsing a decoded table into rows (`--inner`) ---------------------------------

ROW_OF = {"XML1": "TONG_HOP", "XML2": "CHI_TIET_THUOC", "XML3": "CHI_TIET_DVKT"}
PROLOG = b'<?xml version="1.0" encoding="utf-8"?>'


def _rows_of(root, row: str) -> list[dict]:
    found = [root] if root.tag == row else list(root.iter(row))
    return [{c.tag: (t.strip() or None) if (t := c.text) else None for c in r} for r in found]


def inner_tree(tables: list[tuple[str, bytes]]) -> list[list[dict]]:
    """The reader's way: the C tree builder, one parser per table."""
    out = []
    for row, data in tables:
        parser = XMLParser()
        parser.feed(data)
        out.append(_rows_of(parser.close(), row))
    return out


class _Refused(Exception):
    pass


def _refuse(*_: object) -> None:
    raise _Refused


def _expat_rows(row: str, data: bytes) -> list[dict]:
    rows: list[dict] = []
    depth = [0, -1]  # current depth, depth of the open row (-1: none)
    buf: list[str] = []
    rec: list[dict] = [{}]

    def start(tag: str, _attrs: object) -> None:
        depth[0] += 1
        if tag == row:
            rec[0] = {}
            rows.append(rec[0])
            depth[1] = depth[0]
        buf.clear()

    def end(tag: str) -> None:
        if depth[0] == depth[1] + 1:
            rec[0][tag] = "".join(buf).strip() or None
        elif depth[0] == depth[1]:
            depth[1] = -1
        depth[0] -= 1
        buf.clear()

    p = pyexpat.ParserCreate()
    p.buffer_text = True
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = buf.append
    p.StartDoctypeDeclHandler = _refuse
    p.EntityDeclHandler = _refuse
    p.ExternalEntityRefHandler = _refuse
    p.Parse(data, True)
    return rows


def inner_expat(tables: list[tuple[str, bytes]]) -> list[list[dict]]:
    """pyexpat with handlers that keep only the rows' leaf text (no tree); DOCTYPE, entity
    declarations and external references refused by handlers."""
    return [_expat_rows(row, data) for row, data in tables]


_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_TEXT = r"[^<\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*+"
_S = r"[ \t\n]*+"


def _flat(row: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    r = re.escape(row)

    def leaf(g: int) -> str:
        return rf"<(?!{r}[/>])({_NAME})(?:/>|>{_TEXT}</\{g}>)"

    def body(g: int) -> str:
        return rf"<{r}>{_S}(?:{leaf(g)}{_S})*+</{r}>"

    wrap = rf"<(?!{r}[/>])({_NAME})>"
    doc = (
        rf"{_S}(?:{wrap}{_S}(?:(?:{wrap}{_S}(?:{body(3)}{_S})*+</\2>"
        rf"|{body(4)}){_S})*+</\1>|{body(5)}){_S}"
    )
    return (
        re.compile(doc),
        re.compile(rf"<{r}>(.*?)</{r}>", re.S),
        re.compile(rf"<({_NAME})(?:/>|>({_TEXT})</\1>)"),
    )


_FLAT = {row: _flat(row) for row in ROW_OF.values()}


def inner_regex(tables: list[tuple[str, bytes]]) -> list[list[dict]]:
    """A regular expression that accepts only flat tables without entities, comments or
    DOCTYPE (validated whole, then the leaves read), else the tree builder."""
    out = []
    for row, data in tables:
        body = data[len(PROLOG) :] if data.startswith(PROLOG) else data
        doc, rows, leaves = _FLAT[row]
        text = body.decode("utf-8")
        if any(b in body for b in (b"&", b"\r", b"<!", b"<?", b"]]>")) or not doc.fullmatch(text):
            out += inner_tree([(row, data)])
            continue
        out.append(
            [{t: v.strip() or None for t, v in leaves.findall(i)} for i in rows.findall(text)]
        )
    return out


def inner_episode(tables: list[tuple[str, bytes]]) -> list[list[dict]]:
    """One tree parse per episode: the tables' bodies under one wrapper, a processing
    instruction between them (so that each table's bounds can be checked)."""
    parser = XMLParser(target=TreeBuilder(insert_pis=True))
    parser.feed(
        b"<_>"
        + b"<?_?>".join(d[len(PROLOG) :] if d.startswith(PROLOG) else d for _, d in tables)
        + b"</_>"
    )
    roots = [e for e in parser.close() if isinstance(e.tag, str)]
    return [_rows_of(root, row) for (row, _), root in zip(tables, roots, strict=True)]


INNER = {"tree": inner_tree, "expat": inner_expat, "regex": inner_regex, "episode": inner_episode}


def inner(episodes: int, repeats: int) -> dict[str, float]:
    """Median CPU µs per episode of each way, rounds alternated, after checking that each
    gives the reader's rows."""
    tables = []
    for i in range(1, episodes + 1):
        h = episode(i)
        kinds = [p.split("</LOAIHOSO>")[0] for p in h.split("<LOAIHOSO>")[1:]]
        payloads = [p.split("</NOIDUNGFILE>")[0] for p in h.split("<NOIDUNGFILE>")[1:]]
        tables.append(
            [(ROW_OF[k], base64.b64decode(p)) for k, p in zip(kinds, payloads, strict=True)]
        )
    want = [inner_tree(t) for t in tables]
    times: dict[str, list[float]] = {name: [] for name in INNER}
    for name, way in INNER.items():
        assert [way(t) for t in tables] == want, name
    for _ in range(repeats):
        for name, way in INNER.items():
            t = time.process_time()
            for ts in tables:
                way(ts)
            times[name].append((time.process_time() - t) / episodes * 1e6)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--batch-rows", type=int, default=2000)
    ap.add_argument("--parts", action="store_true")
    ap.add_argument("--inner", action="store_true", help="time ways of parsing decoded tables")
    ap.add_argument("--repeats", type=int, default=1, help="reads per size (median)")
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for n in args.episodes:
            path = Path(tmp) / f"claims_{n}.xml"
            write_package(path, n)
            runs = [measure(path, n, args.batch_rows) for _ in range(args.repeats)]
            m = sorted(runs, key=lambda r: r["cpu"])[len(runs) // 2]
            print(
                f"{n:>8} episodes ({m['mib']:.0f} MiB): rows {m['rows']}, cpu {m['cpu']:.2f} s "
                f"(wall {m['wall']:.2f} s), {m['episodes_per_s']:,.0f} episodes/s, "
                f"{m['rows_per_s']:,.0f} rows/s, peak RSS {m['peak_kib'] / 1024:.0f} MiB"
            )
            path.unlink()
    if args.parts:
        p = parts(min(args.episodes))
        print(
            f"parts per episode (CPU): base64 {p['base64_us']:.1f} µs, inner parse "
            f"{p['inner_parse_us']:.1f} µs, row building {p['row_build_us']:.1f} µs"
        )
    if args.inner:
        n = min(args.episodes)
        ways = inner(n, max(args.repeats, 1))
        print(
            f"inner parse, CPU per episode ({n} episodes, median of {max(args.repeats, 1)}): "
            + ", ".join(f"{k} {v:.0f} µs" for k, v in ways.items())
        )
    _ = resource  # the peak is read in the child


if __name__ == "__main__":
    main()
