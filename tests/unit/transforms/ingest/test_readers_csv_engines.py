"""pyarrow's reading of a CSV is pandas' reading: the same batches (values, dtypes, index,
column names) and the same rejections, whether pyarrow reads the file or hands it back to
pandas part-way. pandas (`engine="pandas"`) is the reference."""

from __future__ import annotations

import codecs
import logging
import random
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from tests.unit.transforms.ingest.test_readers_csv import to_cp1258
from transforms.ingest.readers import delimited
from transforms.ingest.readers.base import FileRejected, ReadOptions, pandas_names
from transforms.ingest.readers.delimited import read_csv_batches
from transforms.ingest.readers.sniff import HEAD_BYTES

FALLBACK = re.compile(r"read by pandas from data row (\d+) on: (.*)")


def read(path: Path, batch_rows: int, engine: str):
    """The batches a reader yields and the rejection (code, vi, en) it ends with, if any."""
    head = path.read_bytes()[:HEAD_BYTES]
    batches = []
    with warnings.catch_warnings():
        # pandas warns when it drops the surplus cells of a first row; both engines do
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        try:
            for batch in read_csv_batches(
                path,
                head,
                ReadOptions(batch_rows, max_expanded_bytes=10**9, max_compression_ratio=200.0),
                engine=engine,
            ):
                batches.append(batch)
        except FileRejected as exc:
            return batches, (exc.reason.code, exc.reason.vi, exc.reason.en)
    return batches, None


def assert_same_reading(path: Path, batch_rows: int) -> None:
    expected_batches, expected_error = read(path, batch_rows, "pandas")
    batches, error = read(path, batch_rows, "pyarrow")
    assert error == expected_error
    assert [len(b) for b in batches] == [len(b) for b in expected_batches]
    for got, want in zip(batches, expected_batches, strict=True):
        pd.testing.assert_frame_equal(got, want, check_index_type=True, check_column_type=True)


def lines(*rows: str, eol: str = "\n") -> bytes:
    return "".join(row + eol for row in rows).encode("utf-8")


def many(n: int, short_at: int | None = None) -> bytes:
    rows = [
        f'KB{i:05d},Nguyễn Văn {i},"Hà Nội, {i}",{i * 1000},"ghi chú\ndòng 2"' for i in range(n)
    ]
    if short_at is not None:
        rows[short_at] = f"KB{short_at:05d},Ngắn"
    return lines("MA_LK,HO_TEN,DIA_CHI,T_BHTT,GHI_CHU", *rows)


# (case, file content, who reads it: "pyarrow" alone or "pandas" for some or all of it)
CASES = [
    ("plain", lines("a,b,c", "1,2,3", "4,5,6"), "pyarrow"),
    ("crlf", lines("a,b,c", "1,2,3", "4,5,6", eol="\r\n"), "pyarrow"),
    ("lone carriage returns", lines("a,b", "1,2", "", "3,4", eol="\r"), "pyarrow"),
    ("blank line in CR then a separator", b"a,b\r1,2\r\r,3\r", "pandas"),
    (
        "quoted separators, newlines and quotes",
        lines("a;b;c", '1;"x;y";"line\nbreak"', '2;"cr\r\nlf";"say ""hi"""', '"ab"cd;x"y;""""'),
        "pyarrow",
    ),
    ("empty and quoted empty cells", lines("a,b,c", '1,,""', '"",,x', ",,"), "pyarrow"),
    ("blank lines", b"\n\na,b\n\n1,2\n\n\n3,4\n\n", "pyarrow"),
    ("line of spaces", lines("a,b", "1,2", "   ", "3,4"), "pandas"),
    ("one column with a line of spaces", lines("a", "1", "  ", "2"), "pandas"),
    ("values as delivered", lines("a\tb\tc", "  x \tNA\tnull", "nan\t0012\t1.234,50"), "pyarrow"),
    ("duplicate and blank headers", lines("A,A,,A.1,,Unnamed: 2", "1,2,3,4,5,6"), "pyarrow"),
    ("separator at every line's end", lines("a,b,", "1,2,", "3,4,"), "pyarrow"),
    ("separator at the first row's end", lines("a,b", "1,2,", "3,4"), None),  # rejected
    ("short rows", lines("a,b,c", "1,2,3", "4", "5,6", "7,8,9"), "pandas"),
    ("short last row, no newline", b"a,b,c\n1,2,3\n4,5", "pandas"),
    ("long row further down", lines("a,b", "1,2", "3,4", "5,6,7", "8,9"), "pandas"),
    ("quote never closed", lines("a,b", "1,2", '3,"x'), "pandas"),
    ("quote never closed, over lines", lines("a,b", '1,"x', "2,3", "4,5"), "pandas"),
    ("quote never closed, empty", b'a,b\n1,2\n3,"', "pandas"),
    ("quote closed at the very end", b'a,b\n1,"x"', "pyarrow"),
    ("quoted quote at the very end", b'a,b\n1,""""', "pyarrow"),
    ("quoted empty at the very end", b'a,b\n1,""', "pyarrow"),
    ("utf-8 with BOM", codecs.BOM_UTF8 + lines("Họ tên,Mã", "Nguyễn Văn An,01"), "pyarrow"),
    ("two BOMs", codecs.BOM_UTF8 * 2 + lines("a,b", "1,2"), "pandas"),
    ("utf-16", "Họ tên\tMã\r\nNguyễn Văn An\t01\r\n".encode("utf-16"), "pyarrow"),
    ("utf-16-le without BOM", "Họ tên;Mã\nLê Đức Thắng;01\n".encode("utf-16-le"), "pyarrow"),
    ("cp1258", to_cp1258("MA_LK,HO_TEN\nKB1,Nguyễn Văn An\nKB2,Trần Thị Bích Ngọc\n"), "pyarrow"),
    ("cp1258 with an undefined byte", to_cp1258("a,b\nKB1,Lê Thị\n") + b"KB2,\x81\n", "pandas"),
    ("header only", lines("a,b,c"), "pandas"),
    ("NUL in a cell", lines("a,b", "1,x\0y"), "pyarrow"),
]
# Files of many pyarrow blocks (64 KiB), read in batches of 700 and of 25,000 rows.
LARGE_CASES = [
    ("larger than a batch and pyarrow's block", many(3000), "pyarrow"),
    ("short row after batches were yielded", many(3000, short_at=2500), "pandas"),
    (
        "invalid UTF-8 past the sample",
        lines("a,b", *[f"KB{i},Nguyễn Văn An" for i in range(60_000)]) + b"KBX,L\xea\n",
        "pandas",
    ),
]


@pytest.mark.parametrize(
    ("content", "reader", "batch_rows"),
    [(content, reader, rows) for _, content, reader in CASES for rows in (2, 700)]
    + [(content, reader, rows) for _, content, reader in LARGE_CASES for rows in (700, 25_000)],
    ids=[f"{case}-{rows}" for case, *_ in CASES for rows in (2, 700)]
    + [f"{case}-{rows}" for case, *_ in LARGE_CASES for rows in (700, 25_000)],
)
def test_pyarrow_reads_as_pandas(tmp_path, caplog, content, reader, batch_rows):
    path = tmp_path / "visits.csv"
    path.write_bytes(content)
    caplog.set_level(logging.INFO, logger="transforms.ingest.readers.delimited")
    assert_same_reading(path, batch_rows)
    fallbacks = [m for m in caplog.messages if FALLBACK.search(m)]
    if reader == "pyarrow":
        assert fallbacks == []  # the fast path did read it: the comparison is not vacuous
    elif reader == "pandas":
        assert len(fallbacks) == 1


def test_pandas_takes_over_after_the_rows_already_yielded(tmp_path, caplog):
    path = tmp_path / "visits.csv"
    path.write_bytes(many(3000, short_at=2500))
    caplog.set_level(logging.INFO, logger="transforms.ingest.readers.delimited")
    batches, error = read(path, 700, "pyarrow")
    assert error is None
    assert [len(b) for b in batches] == [700, 700, 700, 700, 200]
    frame = pd.concat(batches)
    assert frame.index.equals(pd.RangeIndex(3000))
    assert frame["MA_LK"].tolist() == [f"KB{i:05d}" for i in range(3000)]  # none lost, none twice
    assert frame.loc[2500, "HO_TEN"] == "Ngắn"
    assert frame.loc[2500, ["DIA_CHI", "T_BHTT", "GHI_CHU"]].isna().all()  # padded, as pandas
    (found,) = [FALLBACK.search(m) for m in caplog.messages if FALLBACK.search(m)]
    first = int(found[1])
    assert first > 1 and (first - 1) % 700 == 0, found[0]
    assert found[2] == "a row has 2 cells, the header 5"


def test_rejections_match_word_for_word(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(lines("a,b", "1,2", "3,4", "5,6,7"))
    _, error = read(path, 1000, "pyarrow")
    assert error == (
        "malformed_csv",
        "Tệp CSV sai cấu trúc: dòng 4 có 3 ô, nhiều hơn 2 cột của dòng tiêu đề",
        "The CSV is malformed: line 4 has 3 cells, more than the header's 2 columns",
    )
    path.write_bytes(lines("a,b", '1,"x'))
    assert read(path, 1000, "pyarrow")[1][0] == "malformed_csv"
    assert "never closed" in read(path, 1000, "pyarrow")[1][2]


@pytest.mark.parametrize(
    "header",
    [
        ["A", "A", "A"],
        ["A", "A", "A.1"],
        ["A.1", "A", "A"],
        ["", ""],
        ["", "Unnamed: 0"],
        ["Unnamed: 1", "", ""],
        ["A", "", "A", "Unnamed: 1", "A.1"],
        [" A", "A ", "A"],
    ],
)
def test_column_names_as_pandas_makes_them(tmp_path, header):
    path = tmp_path / "h.csv"
    path.write_text(",".join(header) + "\n" + ",".join("x" * len(header)) + "\n")
    expected = pd.read_csv(path, dtype=str, index_col=False, nrows=0).columns.tolist()
    assert pandas_names(header) == expected


def random_csv(rng: random.Random) -> bytes:
    """A small CSV with some of everything that separates two parsers."""
    sep = rng.choice([",", ";", "\t"])
    n = rng.choice([1, 2, 3, 5])
    cells = [
        "a",
        "Nguyễn Văn",
        "",
        " x ",
        '""',
        '"q"',
        f'"a{sep}b"',
        '"l\nb"',
        '"c\r\nr"',
        'x"y',
        '"ab"cd',
        '"say ""hi"""',
        "\0",
        "NA",
        "0012",
        "\ufeff",
    ]
    header = [rng.choice(["A", "A", "", "B", "A.1", f"H{i}"]) for i in range(n)]
    rows = [sep.join(header)]
    for _ in range(rng.randrange(0, 12)):
        r = rng.random()
        width = n if r < 0.8 else (max(1, n - 1) if r < 0.9 else n + 1)
        rows.append("" if r > 0.97 else sep.join(rng.choice(cells) for _ in range(width)))
    eol = rng.choice(["\n", "\r\n", "\r"])
    text = eol.join(rows) + rng.choice([eol, "", '"open', f'{sep}"open{eol}more'])
    encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1258"])
    if encoding == "cp1258":
        return to_cp1258(text.replace("\ufeff", ""))
    return text.encode(encoding)


def test_random_files_read_alike(tmp_path):
    rng = random.Random(20261124)
    for i in range(300):
        path = tmp_path / f"r{i}.csv"
        path.write_bytes(random_csv(rng))
        if not path.read_bytes()[:HEAD_BYTES].strip(b" \t\r\n\0\xef\xbb\xbf\xff\xfe"):
            continue  # read_batches rejects it before any reader runs
        assert_same_reading(path, rng.choice([1, 3, 100]))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_pyarrow_is_given_utf8_files_on_disk_only(tmp_path, monkeypatch, encoding):
    """pyarrow's I/O thread reads ahead of the batch being converted. Reading through Python
    (a file object, or pyarrow's own `ReadOptions(encoding=...)`, which transcodes with
    Python's codecs), a reader left open at exit can hang the interpreter: seen with a 9 MB
    Windows-1258 file, one batch taken (apache/arrow#43892)."""
    calls = []
    open_csv = delimited.pa_csv.open_csv

    def spy(source, *, read_options, **options):
        calls.append((source, read_options.encoding))
        return open_csv(source, read_options=read_options, **options)

    monkeypatch.setattr(delimited.pa_csv, "open_csv", spy)
    path = tmp_path / "visits.csv"
    text = "MA_LK,HO_TEN\nKB1,Nguyễn Văn An\nKB2,Lê Đức Thắng\n"
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    assert_same_reading(path, 1000)
    ((source, source_encoding),) = calls
    assert source_encoding == "utf8"
    if encoding.startswith("utf-8"):
        assert source == path
    else:  # a temporary UTF-8 copy, removed once read
        assert isinstance(source, Path) and source != path and not source.exists()
