"""CSV in every encoding and separator provinces use, read in bounded memory; and the
CSV files that must be rejected."""

from __future__ import annotations

import codecs
import csv
import io
import subprocess
import sys
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from tests.factories import visit_row
from transforms.ingest.reading import FileLayout, FileRejected, read_batches
from transforms.text import clean_text

# The archive limits of xlsx (no CSV is an archive).
NO_ARCHIVE = {"max_expanded_bytes": 10**9, "max_compression_ratio": 200.0}

NAMES = ["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Đức Thắng", "Phạm Thị Hương"]


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters (â, ê, ơ, ư, ă, đ) are
    precomposed, tone marks are combining characters."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            out += (unicodedata.normalize("NFC", parts[:-1]) + parts[-1]).encode("cp1258")
    return out


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    sep: str = ",",
    encoding: str = "utf-8",
    nfd: bool = False,
) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=sep)
    writer.writeheader()
    writer.writerows(rows)
    text = buf.getvalue()
    if nfd:
        text = unicodedata.normalize("NFD", text)
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    path.write_bytes(data)
    return path


def read_all(path: Path, batch_rows: int = 1000, max_bytes: int = 10**9) -> pd.DataFrame:
    frames = list(
        read_batches(path, "csv", batch_rows=batch_rows, max_bytes=max_bytes, **NO_ARCHIVE)
    )
    return pd.concat(frames, ignore_index=True)


def rows() -> list[dict[str, str]]:
    return [
        {"MA_LK": f"KB{i:04d}", "HO_TEN": name, "MA_CSKCB": "01001", "T_BHTT": "1.234.567,50"}
        for i, name in enumerate(NAMES, start=1)
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1258"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_every_encoding_and_separator(tmp_path, encoding, sep):
    path = write_csv(tmp_path / "visits.csv", rows(), sep=sep, encoding=encoding)
    frame = read_all(path)
    assert list(frame.columns) == ["MA_LK", "HO_TEN", "MA_CSKCB", "T_BHTT"]
    assert clean_text(frame["HO_TEN"]).tolist() == NAMES
    assert frame["MA_CSKCB"].tolist() == ["01001"] * 4  # leading zero kept
    assert frame["T_BHTT"].tolist() == ["1.234.567,50"] * 4


def test_decomposed_text_is_stored_composed(tmp_path):
    path = write_csv(tmp_path / "visits.csv", rows(), nfd=True)
    raw = read_all(path)["HO_TEN"]
    assert raw.iloc[0] != NAMES[0]  # delivered decomposed...
    cleaned = clean_text(raw)
    assert cleaned.tolist() == NAMES  # ...stored NFC
    assert all(unicodedata.is_normalized("NFC", v) for v in cleaned)


def test_quoted_separators_and_blank_cells(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text(
        'MA_LK;HO_TEN;MA_BENH_KT\nKB1;"Nguyễn; Văn An";"I10;E11.9"\nKB2;;\n', encoding="utf-8"
    )
    frame = read_all(path)
    assert frame["HO_TEN"].tolist()[0] == "Nguyễn; Văn An"
    assert frame["MA_BENH_KT"].tolist()[0] == "I10;E11.9"
    assert frame["HO_TEN"].isna().tolist() == [False, True]


def test_batches_are_bounded(tmp_path):
    path = write_csv(tmp_path / "visits.csv", [visit_row(visit_id=f"V{i}") for i in range(25)])
    frames = list(read_batches(path, "csv", batch_rows=10, max_bytes=10**9, **NO_ARCHIVE))
    assert [len(f) for f in frames] == [10, 10, 5]


# pandas keeps `str` columns in Arrow buffers, which tracemalloc does not see: measure the
# peak resident memory of a fresh interpreter instead. VmHWM, not ru_maxrss: Linux carries
# ru_maxrss across exec, so a child of a large pytest process would report the parent's peak.
_PEAK_SCRIPT = """
import re, sys
from pathlib import Path
from transforms.ingest.reading import read_batches
rows = 0
limits = dict(max_bytes=10**10, max_expanded_bytes=10**10, max_compression_ratio=200.0)
for batch in read_batches(Path(sys.argv[1]), "csv", batch_rows=int(sys.argv[2]), **limits):
    rows += len(batch)
status = Path("/proc/self/status").read_text()
print(rows, re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


def _peak_rss_kib(path: Path, batch_rows: int) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(path), str(batch_rows)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def test_peak_memory_does_not_grow_with_the_file(tmp_path):
    def big(n: int) -> Path:
        path = tmp_path / f"visits_{n}.csv"
        header = list(visit_row())
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            row = visit_row()
            for i in range(n):
                row["visit_id"] = f"V{i:08d}"
                w.writerow(row[h] for h in header)
        return path

    small, large = big(20_000), big(200_000)
    assert large.stat().st_size > 30 * 1024**2
    rows_small, peak_small = _peak_rss_kib(small, batch_rows=2_000)
    rows_large, peak_large = _peak_rss_kib(large, batch_rows=2_000)
    assert (rows_small, rows_large) == (20_000, 200_000)
    # Ten times the rows (30 MB more), about the same peak: only one batch is ever held.
    assert peak_large - peak_small < 12 * 1024, (peak_small, peak_large)
    # The measure does see a file held whole: one batch of every row peaks far higher.
    _, peak_whole = _peak_rss_kib(large, batch_rows=200_000)
    assert peak_whole - peak_large > 30 * 1024, (peak_large, peak_whole)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\r\n \r\n", "empty"),
        (codecs.BOM_UTF8, "empty"),
        (b"MA_LK,HO_TEN,MA_CSKCB\r\n", "empty"),  # header only
        (b"PK\x03\x04" + b"\0" * 100, "wrong_format"),  # a workbook renamed .csv
        (b"%PDF-1.7\n...", "wrong_format"),
        (b"<html><body>Service unavailable</body></html>", "wrong_format"),
        (b'MA_LK,HO_TEN\nKB1,An\nKB2,"B\xc3\xacnh\nKB3,Lan\n', "malformed_csv"),  # open quote
        (b"MA_LK,HO_TEN\nKB1,An,extra,cells\n", "malformed_csv"),
    ],
)
def test_bad_csv_is_rejected_with_one_reason(tmp_path, content, code):
    path = tmp_path / "visits.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == code
    assert exc.value.reason.vi != exc.value.reason.en


def test_mixed_encodings_are_rejected(tmp_path):
    path = tmp_path / "visits.csv"
    good = "MA_LK,HO_TEN\n" + "".join(f"KB{i},Nguyễn Văn An\n" for i in range(60_000))
    path.write_bytes(good.encode("utf-8") + to_cp1258("KBX,Lê Thị\n"))
    with pytest.raises(FileRejected) as exc:
        read_all(path, batch_rows=10_000)
    assert exc.value.reason.code == "bad_encoding"


def test_over_the_size_limit(tmp_path):
    path = write_csv(tmp_path / "visits.csv", rows())
    with pytest.raises(FileRejected) as exc:
        read_all(path, max_bytes=50)
    assert exc.value.reason.code == "too_large"
    assert "50" in exc.value.reason.en


@pytest.mark.parametrize(
    ("data", "header_row"),
    [
        (b"id,name\r\n1,a\r\n", 1),
        (b"\r\n\r\nid,name\r\n1,a\r\n", 3),  # blank lines above the header: read the same
        ("\ufeff\r\nid;name\r\n1;a\r\n".encode(), 2),
    ],
)
def test_the_header_row_is_recorded_for_layout_drift(tmp_path, data, header_row):
    path = tmp_path / "visits.csv"
    path.write_bytes(data)
    layout = FileLayout()
    (frame,) = read_batches(
        path, "csv", batch_rows=10, max_bytes=10**6, layout=layout, **NO_ARCHIVE
    )
    assert frame.to_dict("records") == [{"id": "1", "name": "a"}]
    assert layout == FileLayout(header_row=header_row)
