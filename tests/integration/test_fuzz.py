"""Fuzzing the landing zone: whatever a province sends, the night completes.

Good files of every format (CSV, XLSX, JSON, claims XML) are mutated with a fixed seed
(truncation, byte flips, other encodings, huge cells and lines, deep and wide JSON,
surrogates, control characters, formula-like cells), beside the corpus that once failed a
whole night (issue 14: deep JSON, a 5,000-digit number, a lone surrogate, a 50 MB line, a
record of 100,000 keys, a 100 MB record, 100,000 columns, a 20 GB file, a name that is not
UTF-8, a control character in a loaded cell) and entries that are not regular files
(links inside and outside the landing root, to another night and to /etc/passwd, a FIFO,
a device, a linked source folder, a folder named like a file). The real CLI runs the
night and the report; every entry must be `loaded` or `rejected` with a bilingual reason,
rows must add up, and nothing outside the night's regular files may be read.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import stat
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.cli import main as cli
from tests.factories import facility_row, visit_row
from tests.unit.transforms.ingest.test_readers_xlsx import template_row, write_template
from tests.unit.transforms.ingest.test_readers_xml import claims_envelope, claims_row

pytestmark = pytest.mark.integration

RUN_DATE = date(2026, 11, 24)
OTHER_NIGHT = date(2026, 11, 23)
SEED = 20261124
MUTANTS_PER_FORMAT = 10
ROWS = 12


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def visits(prefix: str, n: int = ROWS, **overrides: str) -> list[dict[str, str]]:
    return [visit_row(visit_id=f"{prefix}{i:03d}", **overrides) for i in range(n)]


def json_bytes(rows: list[dict[str, str]]) -> bytes:
    return json.dumps(rows, ensure_ascii=False).encode("utf-8")


def xlsx_bytes(tmp: Path, prefix: str) -> bytes:
    path = write_template(tmp / f"{prefix}.xlsx", [template_row(i) for i in range(1, ROWS)])
    return path.read_bytes()


def xml_bytes(prefix: str) -> bytes:
    return claims_envelope([claims_row(i, MA_LK=f"{prefix}{i:06d}") for i in range(1, ROWS)])


# -- seeded mutations ----------------------------------------------------------------------


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _insert(data: bytes, rng: random.Random, piece: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + piece + data[at:]


def _control(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, bytes([rng.choice([0, 1, 7, 8, 11, 12, 27, 31, 127])]))


def _huge(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, b"x" * rng.choice([70_000, 2_000_000]))


TEXT_MUTATIONS = {
    "truncate": _truncate,
    "flip": _flip,
    "control": _control,
    "huge": _huge,
    "utf16": lambda d, rng: d.decode("utf-8", "replace").encode("utf-16"),
    "latin1": lambda d, rng: d.decode("utf-8", "replace").encode("latin-1", "replace"),
    "crlf": lambda d, rng: d.replace(b"\r\n", b"\r"),
    "nul": lambda d, rng: _insert(d, rng, b"\0" * rng.randint(1, 40)),
}
BINARY_MUTATIONS = {"truncate": _truncate, "flip": _flip, "huge": _huge}


def mutants(rng: random.Random, ext: str, good: bytes) -> list[tuple[str, bytes]]:
    table = BINARY_MUTATIONS if ext == "xlsx" else TEXT_MUTATIONS
    out = []
    for i in range(MUTANTS_PER_FORMAT):
        name = rng.choice(sorted(table))
        out.append((f"visits__m{ext}{i:02d}{name}.{ext}", table[name](good, rng)))
    return out


def json_mutants(rng: random.Random) -> list[tuple[str, bytes]]:
    """JSON built wrong rather than bytes damaged: deep, wide, odd numbers and strings."""
    base = visits("JSM", 3)
    cases = {
        "deep": b'[{"a": ' + b"[" * rng.randint(65, 5000) + b"]" * 0 + b"}]",
        "wide": json_bytes([{f"k{i}": "1" for i in range(rng.randint(1_001, 3_000))}]),
        "nested_ok": json_bytes([{**base[0], "extra": {"a": [1, {"b": 2}]}}]),
        "surrogate_pair": json_bytes(base).replace(b'"JSM000"', b'"JSM000\\ud83d\\ude00"'),
        "lone_low": json_bytes(base).replace(b'"JSM001"', b'"\\udc00"'),
        "exponent": json_bytes(base).replace(b'"JSM002"', b"1e99999"),
        "not_records": b"[1, 2, 3]",
        "data_key": b'{"count": 3, "data": ' + json_bytes(base) + b"}",
        "formula": json_bytes(visits("JSF", 2, patient_name='=HYPERLINK("http://x.test","a")')),
    }
    return [(f"visits__j{name}.json", data) for name, data in sorted(cases.items())]


# -- the landing zone ----------------------------------------------------------------------


def build_landing(root: Path, tmp: Path) -> dict[str, str | None]:
    """Every entry of the night -> the status it must have (None: loaded or rejected)."""
    rng = random.Random(SEED)
    night = root / RUN_DATE.isoformat()
    moh, p01, p79 = night / "moh", night / "p01", night / "p79"
    for folder in (moh, p01, p79):
        folder.mkdir(parents=True)
    expect: dict[str, str | None] = {}

    def put(folder: Path, name: str | bytes, data: bytes, status: str | None = None) -> None:
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
        path.write_bytes(data)
        expect[os.fsencode(path.relative_to(root)).decode("utf-8", "backslashreplace")] = status

    # Good files, and the seeded mutations of each format.
    put(moh, "facilities.csv", csv_bytes([facility_row()]), "loaded")
    good = {
        "csv": csv_bytes(visits("CSV")),
        "json": json_bytes(visits("JSN")),
        "xlsx": xlsx_bytes(tmp, "XLS"),
        "xml": xml_bytes("XML"),
    }
    for ext, data in good.items():
        put(p01, f"visits__good.{ext}", data, "loaded")
        for name, mutated in mutants(rng, ext, data):
            put(p79, name, mutated)
    for name, data in json_mutants(rng):
        put(p79, name, data)

    # The corpus that failed a whole night before (issue 14), at its real sizes.
    put(p01, "visits__deep.json", b'[{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]", "rejected")
    put(p01, "visits__number.json", b'[{"visit_id": ' + b"7" * 5_000 + b"}]", "rejected")
    put(p01, "visits__surrogate.json", b'[{"visit_id": "\\ud800"}]', "rejected")
    line = csv_bytes(visits("LNG", 2)).replace(b"LNG000", b"L" * (50 * 1024**2))
    put(p01, "visits__line.csv", line, "rejected")
    wide = b'[{"visit_id": "W", ' + b", ".join(b'"k%d": 1' % i for i in range(100_000)) + b"}]"
    put(p01, "visits__wide.json", wide, "rejected")
    put(
        p01, "visits__record.json", b'[{"visit_id": "' + b"r" * (100 * 1024**2) + b'"}]', "rejected"
    )
    header = b",".join(b"c%d" % i for i in range(100_000))
    put(p01, "visits__columns.csv", header + b"\n" + b"1," * 99_999 + b"1\n", "rejected")
    put(p01, b"visits__\xff\xfe.csv", csv_bytes(visits("NAM", 2)), "rejected")
    huge = p01 / "visits__20gb.csv"
    huge.write_bytes(csv_bytes(visits("GIG", 2)))
    os.truncate(huge, 20 * 1024**3)  # sparse: nothing written, 20 GB to whoever reads it
    expect[huge.relative_to(root).as_posix()] = "rejected"
    control = visits("CTL", 3)
    control[0]["patient_name"] = "Nguyễn\x01Văn\x1bAn"
    control[1]["patient_name"] = '=HYPERLINK("http://x.test","bấm")'
    put(p01, "visits__control.csv", csv_bytes(control), "loaded")

    # Entries that are not regular files inside the night: never opened, never followed.
    outside = tmp / "outside.csv"
    outside.write_bytes(csv_bytes(visits("OUT", 5)))
    other = root / OTHER_NIGHT.isoformat() / "p01"
    other.mkdir(parents=True)
    (other / "visits.csv").write_bytes(csv_bytes(visits("OTH", 5)))
    links = {
        "visits__outside.csv": outside,
        "visits__other.csv": Path("../../") / OTHER_NIGHT.isoformat() / "p01" / "visits.csv",
        "visits__passwd.csv": Path("/etc/passwd"),
        "visits__inside.csv": Path("visits__good.csv"),
    }
    for name, target in links.items():
        (p01 / name).symlink_to(target)
        expect[f"{RUN_DATE}/p01/{name}"] = "rejected"
    os.mkfifo(p01 / "visits__fifo.csv")
    expect[f"{RUN_DATE}/p01/visits__fifo.csv"] = "rejected"
    try:
        os.mknod(p01 / "visits__device.csv", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        expect[f"{RUN_DATE}/p01/visits__device.csv"] = "rejected"
    except OSError:
        pass  # no CAP_MKNOD here: the FIFO stands for the other special files
    (p01 / "visits__folder.csv").mkdir()
    expect[f"{RUN_DATE}/p01/visits__folder.csv"] = "rejected"
    elsewhere = tmp / "p02"
    elsewhere.mkdir()
    (elsewhere / "visits.csv").write_bytes(csv_bytes(visits("LNK", 5)))
    (night / "p02").symlink_to(elsewhere)
    expect[f"{RUN_DATE}/p02"] = "rejected"
    return expect


def test_whatever_a_province_sends_the_night_completes(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    expect = build_landing(landing, scratch)
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    restricted = tmp_path / "wh" / "restricted.duckdb"

    code = cli(
        [
            "run",
            "--landing",
            str(landing),
            "--date",
            RUN_DATE.isoformat(),
            "--warehouse",
            str(warehouse),
            "--restricted",
            str(restricted),
        ]
    )
    assert code == 0

    with duckdb.connect(str(warehouse), read_only=True) as wh:
        files = {
            r[0]: r[1:]
            for r in wh.execute(
                "SELECT source_file, status, error, rows_in, rows_loaded, rows_quarantined "
                "FROM meta.files"
            ).fetchall()
        }
        visit_ids = [r[0] for r in wh.execute("SELECT visit_id FROM core.visits").fetchall()]
    assert set(files) == set(expect)
    for name, (status, error, rows_in, loaded, quarantined) in files.items():
        assert status in ("loaded", "rejected"), name
        if expect[name]:
            assert status == expect[name], (name, error)
        assert rows_in == loaded + quarantined, name
        if status == "rejected":
            assert error and " | " in error, name  # Vietnamese | English
            assert "root:" not in error, name  # no linked file's content in a reason
    # The good files load; nothing linked from elsewhere is read.
    assert files[f"{RUN_DATE}/p01/visits__good.csv"][3] == ROWS
    assert not [v for v in visit_ids if v.startswith(("OUT", "OTH", "LNK"))]
    assert {v for v in visit_ids if v.startswith("CTL")} == {"CTL000", "CTL001", "CTL002"}

    out = tmp_path / "report"
    assert cli(["report", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    assert list(out.rglob("*.xlsx"))
