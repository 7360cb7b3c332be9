"""The claims package read whole (DATASETS.md, "kcb: the claims package"): one file, three
datasets (XML1 → visits, XML2 → visit_drugs, XML3 → visit_services), the sums of each
episode's lines on its visit, orphan lines, the tables counted on the file, the tag set,
and the protections inside the base64 tables."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest

from tests.unit.transforms.ingest.test_readers_xml import claims_row
from transforms.ingest.readers import claims
from transforms.ingest.reading import FileRejected, read_batches


def drug_line(lk: str, stt: int, amount: str = "30000", **overrides: str) -> dict[str, str]:
    row = {
        "MA_LK": lk,
        "STT": str(stt),
        "MA_THUOC": "40.17",
        "MA_NHOM": "4",
        "TEN_THUOC": "Paracetamol 500mg",
        "SO_DANG_KY": "VD-12345-19",
        "SO_LUONG": "20",
        "DON_GIA": "1500",
        "THANH_TIEN_BV": amount,
        "NGAY_YL": "202611200900",
    }
    return {**row, **overrides}


def service_line(lk: str, stt: int, group: str, amount: str, **overrides: str) -> dict[str, str]:
    row = {
        "MA_LK": lk,
        "STT": str(stt),
        "MA_DICH_VU": "" if group in ("10", "11") else "02.1896",
        "MA_VAT_TU": "N03.01.070" if group in ("10", "11") else "",
        "MA_NHOM": group,
        "TEN_DICH_VU": "Dịch vụ",
        "SO_LUONG": "1",
        "DON_GIA_BV": amount,
        "THANH_TIEN_BV": amount,
        "NGAY_YL": "202611200900",
    }
    return {**row, **overrides}


def table(wrapper: str, row_tag: str, rows: list[dict[str, str]], doctype: str = "") -> str:
    body = "".join(
        f"<{row_tag}>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in r.items()) + f"</{row_tag}>"
        for r in rows
    )
    prolog = '<?xml version="1.0" encoding="utf-8"?>'
    xml = f"{prolog}{doctype}<{wrapper}><DSACH>{body}</DSACH></{wrapper}>"
    return base64.b64encode(xml.encode()).decode()


def hoso(
    visit: dict[str, str] | None,
    drugs: list[dict[str, str]] = (),  # type: ignore[assignment]
    services: list[dict[str, str]] = (),  # type: ignore[assignment]
    extra: dict[str, str] | None = None,
) -> str:
    entries = []
    if visit is not None:
        entries.append(("XML1", table("TONG_HOP_WRAP", "TONG_HOP", [visit])))
    if drugs:
        entries.append(("XML2", table("CHITIEU_CHITIET_THUOC", "CHI_TIET_THUOC", list(drugs))))
    if services:
        entries.append(("XML3", table("CHITIEU_CHITIET_DVKT", "CHI_TIET_DVKT", list(services))))
    entries += list((extra or {}).items())
    files = "".join(
        f"<FILEHOSO><LOAIHOSO>{k}</LOAIHOSO><NOIDUNGFILE>{v}</NOIDUNGFILE></FILEHOSO>"
        for k, v in entries
    )
    return f"<HOSO>{files}</HOSO>"


def package(episodes: list[str], declared: int | None = None) -> bytes:
    n = len(episodes) if declared is None else declared
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<GIAMDINHHS>'
        "<THONGTINDONVI><MACSKCB>01001</MACSKCB></THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>20261124</NGAYLAP><SOLUONGHOSO>{n}</SOLUONGHOSO>"
        f"<DANHSACHHOSO>{''.join(episodes)}</DANHSACHHOSO></THONGTINHOSO>"
        "<CHUKYDONVI><Signature>c2lnbmF0dXJl</Signature></CHUKYDONVI></GIAMDINHHS>"
    ).encode()


def read(path: Path, dataset: str, notes: list[str] | None = None, **kw) -> pd.DataFrame:
    frames = list(
        read_batches(
            path,
            "xml",
            batch_rows=kw.get("batch_rows", 1000),
            max_bytes=10**9,
            max_expanded_bytes=10**9,
            max_compression_ratio=200.0,
            dataset=dataset,
            max_table_bytes=kw.get("max_table_bytes", 10**6),
            notes=notes,
        )
    )
    return pd.concat(frames, ignore_index=True)


XML13_3176 = table(
    "CHITIEU_GIAYCHUYENTUYEN", "GIAY_CHUYEN", [{"MA_LK": "a", "MA_CSKCB_DI": "01001"}]
)


@pytest.fixture
def two_episodes(tmp_path) -> Path:
    lk1, lk2 = claims_row(1)["MA_LK"], claims_row(2)["MA_LK"]
    path = tmp_path / "claims.xml"
    path.write_bytes(
        package(
            [
                hoso(
                    claims_row(1, T_THUOC="60000", T_VTYT="400000"),
                    drugs=[drug_line(lk1, 1), drug_line(lk1, 2)],
                    services=[
                        service_line(lk1, 1, "10", "400000"),
                        service_line(lk1, 2, "13", "540000"),
                    ],
                    extra={"XML4": table("CLS", "CHI_TIET_CLS", [{"MA_LK": lk1}])},
                ),
                hoso(
                    claims_row(2, T_THUOC="1000000"),
                    drugs=[drug_line(lk2, 1, "999000"), drug_line("ORPHAN", 2)],
                    extra={"XML13": XML13_3176, "XML5": table("DB", "CHI_TIET", [{"A": "1"}])},
                ),
            ],
            declared=3,
        )
    )
    return path


def test_one_package_delivers_three_datasets_with_line_sums(two_episodes):
    notes: list[str] = []
    visits = read(two_episodes, "visits", notes)
    assert visits["MA_LK"].tolist() == [claims_row(1)["MA_LK"], claims_row(2)["MA_LK"]]
    assert visits["lines_drug_amount"].tolist() == ["60000", "999000"]  # the orphan is not its
    assert visits["lines_supply_amount"].tolist() == ["400000", "0"]
    assert visits["lines_amount"].tolist() == ["1000000", "999000"]
    assert visits["updated_at"].tolist() == ["20261124", "20261124"]
    assert any("XML4 × 1, XML5 × 1, XML13 × 1" in n for n in notes)
    assert any("SOLUONGHOSO says 3 but the file holds 2 HOSO" in n for n in notes)
    assert any("tag set of QĐ 3176" in n for n in notes)

    drugs = read(two_episodes, "visit_drugs", [])
    assert drugs["STT"].tolist() == ["1", "2", "1", "2"]
    assert drugs["has_visit"].tolist() == ["true", "true", "true", "false"]
    assert drugs["MA_CSKCB"].tolist() == ["01001"] * 4  # the orphan: the envelope's MACSKCB
    services = read(two_episodes, "visit_services", [])
    assert services["MA_NHOM"].tolist() == ["10", "13"]


def test_a_package_without_lines_of_a_table_is_empty_not_rejected(tmp_path):
    path = tmp_path / "claims.xml"
    path.write_bytes(package([hoso(claims_row(1), drugs=[drug_line(claims_row(1)["MA_LK"], 1)])]))
    assert len(read(path, "visit_services")) == 0
    visits = read(path, "visits")
    assert visits["lines_amount"].tolist() == ["30000"]


def test_visits_without_any_line_table_have_no_sums(tmp_path):
    path = tmp_path / "visits.xml"
    path.write_bytes(package([hoso(claims_row(1))]))
    notes: list[str] = []
    visits = read(path, "visits", notes)
    assert "lines_amount" not in visits.columns
    assert any("130/3176" in n for n in notes)


def _night(path: Path, drugs: list[dict[str, str]], services: list[dict[str, str]]) -> Path:
    visit = claims_row(1, T_THUOC="60000")
    path.write_bytes(
        package([hoso(visit, drugs=drugs, services=services, extra={"XML13": XML13_3176})])
    )
    return path


def test_a_tables_columns_are_its_declared_tags_whatever_order_or_presence(tmp_path):
    """Two nights of the same tag set: the first's first lines lack the optional tags and
    carry them in another order; both record the same columns (dq.file_layouts), and each
    row keeps its own values."""
    lk = claims_row(1)["MA_LK"]
    bed = {"MA_GIUONG": "H001"}
    one = _night(
        tmp_path / "one.xml",
        [drug_line(lk, 1), dict(reversed(drug_line(lk, 2, T_BHTT="24000").items()))],
        [service_line(lk, 1, "13", "540000"), service_line(lk, 2, "15", "150000", **bed)],
    )
    two = _night(
        tmp_path / "two.xml",
        [drug_line(lk, 1, T_NGUONKHAC="0", T_BHTT="24000"), drug_line(lk, 2)],
        [service_line(lk, 1, "15", "150000", **bed), service_line(lk, 2, "13", "540000")],
    )
    for dataset, kind in (("visit_drugs", "XML2"), ("visit_services", "XML3")):
        first, second = read(one, dataset), read(two, dataset)
        assert list(first.columns) == list(second.columns)
        declared = list(claims.declared_tags(kind))
        assert list(first.columns) == [*declared, "updated_at", "MA_CSKCB", "has_visit"]
    drugs = read(one, "visit_drugs")
    assert drugs["T_BHTT"].isna().tolist() == [True, False]  # lacking: empty
    assert drugs["T_BHTT"].iloc[1] == "24000"  # tags reversed: still its own values
    assert drugs["THANH_TIEN_BV"].tolist() == ["30000", "30000"]
    assert drugs["STT"].tolist() == ["1", "2"]
    assert "T_NGUONKHAC" in drugs.columns and drugs["T_NGUONKHAC"].isna().all()
    # The stager maps the tags delivered, not the declared ones the rows lack.
    assert drugs.attrs["delivered"][:2] == ["MA_LK", "STT"]
    assert "T_NGUONKHAC" not in drugs.attrs["delivered"]


def test_an_unknown_tag_is_still_a_change_of_columns(tmp_path):
    lk = claims_row(1)["MA_LK"]
    lines = [service_line(lk, 1, "13", "540000")]
    usual = read(_night(tmp_path / "usual.xml", [drug_line(lk, 1)], lines), "visit_drugs")
    new = read(
        _night(tmp_path / "new.xml", [drug_line(lk, 1, MA_PP_CHEBIEN="1")], lines), "visit_drugs"
    )
    assert list(new.columns) == [*list(usual.columns)[:-3], "MA_PP_CHEBIEN", *usual.columns[-3:]]
    assert new["MA_PP_CHEBIEN"].tolist() == ["1"]


def test_the_declared_tags_are_those_the_descriptions_read():
    """DATASETS.md's tags of XML1, XML2 and XML3, in the descriptions' order; the columns
    the reader fills in (a line's facility, the stamp, the sums) are not among them."""
    assert claims.declared_tags("XML2")[:4] == ("MA_LK", "STT", "MA_THUOC", "MA_NHOM")
    assert "MA_CSKCB" not in claims.declared_tags("XML3")
    assert "MA_CSKCB" in claims.declared_tags("XML1")
    assert {"T_BNCCT", "T_BNTT", "T_TONGCHI_BV", "T_THUOC"} <= set(claims.declared_tags("XML1"))
    assert not {"NGAY_CAP_NHAT", "has_visit"} & set(claims.declared_tags("XML2"))


@pytest.mark.parametrize("dataset", ["visits", "visit_drugs"])
def test_a_doctype_inside_a_base64_table_is_refused(tmp_path, dataset):
    lk = claims_row(1)["MA_LK"]
    bad = table("W", "CHI_TIET_THUOC", [drug_line(lk, 1)], doctype='<!DOCTYPE W [<!ENTITY x "y">]>')
    path = tmp_path / "claims.xml"
    path.write_bytes(package([hoso(claims_row(1), extra={"XML2": bad})]))
    with pytest.raises(FileRejected) as exc:
        read(path, dataset)
    assert exc.value.reason.code == "unsafe_xml"
    assert "XML2" in exc.value.reason.en and "XML2" in exc.value.reason.vi


def test_an_external_entity_inside_a_base64_table_is_refused(tmp_path):
    bad = table(
        "W", "TONG_HOP", [claims_row(1)], doctype='<!DOCTYPE W SYSTEM "file:///etc/passwd">'
    )
    path = tmp_path / "claims.xml"
    path.write_bytes(package([hoso(None, extra={"XML1": bad})]))
    with pytest.raises(FileRejected) as exc:
        read(path, "visits")
    assert exc.value.reason.code == "unsafe_xml"


LAUGHS = (
    '<!DOCTYPE W [<!ENTITY a "ha">'
    + "".join(
        f'<!ENTITY {b} "{("&" + a + ";") * 10}">'
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]>"
)


@pytest.mark.parametrize("dataset", ["visits", "visit_drugs"])
def test_a_billion_laughs_inside_a_base64_table_is_refused(tmp_path, dataset):
    lk = claims_row(1)["MA_LK"]
    row = drug_line(lk, 1)
    raw = (
        f'<?xml version="1.0" encoding="utf-8"?>{LAUGHS}<W><DSACH><CHI_TIET_THUOC>'
        f"<MA_LK>{lk}</MA_LK><TEN_THUOC>&i;</TEN_THUOC><THANH_TIEN_BV>{row['THANH_TIEN_BV']}"
        "</THANH_TIEN_BV></CHI_TIET_THUOC></DSACH></W>"
    )
    bad = base64.b64encode(raw.encode()).decode()
    path = tmp_path / "claims.xml"
    path.write_bytes(package([hoso(claims_row(1), extra={"XML2": bad})]))
    with pytest.raises(FileRejected) as exc:
        read(path, dataset)
    assert exc.value.reason.code == "unsafe_xml"
    assert "XML2" in exc.value.reason.en


def test_a_doctype_in_a_utf16_base64_table_is_refused(tmp_path):
    """UTF-16 hides the bytes `<!DOCTYPE`: such a table goes to the parser that refuses a
    DOCTYPE however it is spelt."""
    raw = (
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE W [<!ENTITY x SYSTEM '
        '"file:///etc/passwd">]><W><TONG_HOP><MA_LK>&x;</MA_LK></TONG_HOP></W>'
    )
    bad = base64.b64encode(raw.encode("utf-16")).decode()
    path = tmp_path / "claims.xml"
    path.write_bytes(package([hoso(None, extra={"XML1": bad})]))
    with pytest.raises(FileRejected) as exc:
        read(path, "visits")
    assert exc.value.reason.code == "unsafe_xml"
    assert "XML1" in exc.value.reason.en


def test_a_decoded_table_over_the_limit_is_refused(tmp_path):
    lk = claims_row(1)["MA_LK"]
    path = tmp_path / "claims.xml"
    path.write_bytes(
        package([hoso(claims_row(1), drugs=[drug_line(lk, i) for i in range(1, 200)])])
    )
    with pytest.raises(FileRejected) as exc:
        read(path, "visit_drugs", max_table_bytes=10_000)
    reason = exc.value.reason
    assert reason.code == "table_too_large"
    assert reason.vi.startswith("Bảng XML2") and "10,000" in reason.en


PEAK = """
import resource, sys
from pathlib import Path
from transforms.ingest.reading import read_batches
n = 0
for b in read_batches(Path(sys.argv[1]), "xml", batch_rows=2000, max_bytes=10**10,
                      max_expanded_bytes=10**10, max_compression_ratio=200.0,
                      dataset=sys.argv[2]):
    n += len(b)
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _write_big(path: Path, episodes: int) -> None:
    one = hoso(
        claims_row(1),
        drugs=[drug_line(claims_row(1)["MA_LK"], i) for i in range(1, 6)],
        services=[service_line(claims_row(1)["MA_LK"], 1, "13", "100")],
    )
    head, tail = package(["@"]).split(b"@")
    with path.open("wb") as fh:
        fh.write(head)
        for _ in range(episodes):
            fh.write(one.encode())
        fh.write(tail)


def test_peak_memory_does_not_grow_with_the_package(tmp_path):
    """Streamed: a package 10× larger reads in about the same peak memory (each in a fresh
    process, measured as its maximum resident set)."""
    peaks, sizes = {}, {}
    for episodes in (300, 3_000):
        path = tmp_path / f"claims_{episodes}.xml"
        _write_big(path, episodes)
        out = subprocess.run(
            [sys.executable, "-c", PEAK, str(path), "visit_drugs"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert int(out[0]) == episodes * 5
        sizes[episodes] = path.stat().st_size
        peaks[episodes] = int(out[1])  # KiB
    assert peaks[3_000] < peaks[300] * 1.1, (peaks, sizes)
    print("peak KiB by episodes", peaks, "bytes", sizes)


def _spools() -> set[Path]:
    return set(claims._root().iterdir())


def test_a_package_is_read_once_for_its_three_datasets(two_episodes):
    """The first dataset's read reads the package; the others replay what it read (here the
    file is changed in place, same size and time, after the first read: the lines still
    carry the package as first read), and its spool goes once the three have read it."""
    before = _spools()
    notes: list[str] = []
    assert read(two_episodes, "visits", notes)["updated_at"].tolist() == ["20261124"] * 2
    st = two_episodes.stat()
    two_episodes.write_bytes(two_episodes.read_bytes().replace(b"20261124", b"20261125"))
    os.utime(two_episodes, ns=(st.st_atime_ns, st.st_mtime_ns))
    drugs = read(two_episodes, "visit_drugs", [])
    assert drugs["updated_at"].tolist() == ["20261124"] * 4
    assert len(_spools()) == len(before) + 1
    assert len(read(two_episodes, "visit_services", [])) == 2
    assert _spools() == before
    # Read again for a dataset: the package is read again, as it is now.
    assert read(two_episodes, "visit_drugs", [])["updated_at"].tolist() == ["20261125"] * 4


def test_datasets_read_at_once_in_threads_see_the_same_rows(two_episodes, tmp_path):
    alone = {ds: read(two_episodes, ds, []) for ds in claims.KIND_OF}
    copy = tmp_path / "copy.xml"
    copy.write_bytes(two_episodes.read_bytes())
    with ThreadPoolExecutor(3) as pool:
        together = dict(
            zip(
                claims.KIND_OF, pool.map(lambda ds: read(copy, ds, []), claims.KIND_OF), strict=True
            )
        )
    for ds, frame in alone.items():
        pd.testing.assert_frame_equal(together[ds], frame)
