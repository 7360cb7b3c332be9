"""The generator's column-at-a-time writing gives the bytes of the cell-at-a-time path
(`cells` of each row through `csv.writer`), in every office layout (encodings, separators,
Vietnamese headers, NFD, local numbers and dates), so that the night reads its files the
same; and the truth's stamps are the loading rows' keys and times."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime

import pytest

from sample.generate.base import Defect, Output, cells, taken_columns, written_columns
from sample.generate.night import KEY_SEP, _stamps
from sample.generate.writers import (
    CONTINUED,
    Layout,
    csv_text,
    province_layout,
    to_cp1258_text,
    write_csv,
)

LAYOUTS = [
    Layout(),
    province_layout(3),  # cp1258, Vietnamese headers and numbers, claims dates
    *(
        Layout(
            encoding=e,
            delimiter=s,
            vietnamese_headers=v,
            decomposed=n,
            local_numbers=v,
            local_dates=ld,
            claims_dates=c,
        )
        for e in ("utf-8", "utf-8-sig", "utf-16", "cp1258")
        for s, n in ((",", False), (";", True), ("\t", False))
        for v, ld, c in ((False, False, False), (True, True, False), (True, False, True))
    ),
]
HEADER = ["text", "count", "price", "born", "at", "flag", "code", "updated_at"]
ROWS = [
    {
        "text": "Nguyễn Văn Ánh",
        "count": 3,
        "price": 1234567.5,
        "born": date(1990, 2, 3),
        "at": datetime(2026, 11, 23, 21, 5),
        "flag": True,
        "code": "01",
        "updated_at": datetime(2026, 11, 23, 8, 0),
    },
    {  # planted: text where a date or number belongs, blanks, a date where a time belongs
        "text": 'có "ngoặc", ; và\ttab\r\nxuống dòng',
        "count": None,
        "price": "abc",
        "born": "31/02/1990",
        "at": date(2026, 11, 23),
        "flag": False,
        "code": None,
        "updated_at": datetime(2026, 11, 23, 8, 0, 0, 250),
    },
    {
        "text": "",
        "count": 2.5,
        "price": -0.0,
        "born": None,
        "at": None,
        "flag": None,
        "code": 7,
        "updated_at": "2026-13-01",
    },
    {  # numbers equal across classes (1 == 1.0 == True) are written apart
        "text": "Ơ ư ạ ỹ Đ",
        "count": 1.0,
        "price": 0.0,
        "born": datetime(1990, 1, 1, 12),
        "flag": 1,
        "code": True,
        "updated_at": None,
    },
    {"count": 1, "price": -1234.56, "code": 1.0, "at": datetime(999, 1, 2, 3, 4)},
]


def _output(layout: Layout, rows: list[dict]) -> Output:
    return Output(
        rel="p01/x.csv",
        expected_status="loaded",
        kind="x",
        header=HEADER,
        rows=rows,
        layout=layout,
        dates=frozenset({"born"}),
        stamps=frozenset({"at", "updated_at"}),
        amounts=frozenset({"price"}),
    )


def _by_cells(o: Output, append: bool) -> bytes:
    """What the generator wrote before: each row's `cells` through `csv.writer`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=o.layout.delimiter, lineterminator="\r\n")
    if not append:
        writer.writerow(o.header)
    writer.writerows(cells(r, o) for r in o.rows)
    text = buffer.getvalue()
    if o.layout.decomposed:
        text = unicodedata.normalize("NFD", text)
    encoding = CONTINUED.get(o.layout.encoding, o.layout.encoding) if append else o.layout.encoding
    return (to_cp1258_text(text) if encoding == "cp1258" else text).encode(encoding)


# Each column once of one class only (the paths for whole columns), and every mix.
CASES = [ROWS, ROWS[:1], ROWS[1:2], ROWS[2:3], ROWS[3:], [ROWS[0]] * 3 + [ROWS[3]], []]


@pytest.mark.parametrize("layout", LAYOUTS, ids=str)
@pytest.mark.parametrize("append", [False, True])
def test_columns_are_written_as_the_cells_of_each_row(tmp_path, layout, append):
    for n, rows in enumerate(CASES):
        o = _output(layout, [dict(r) for r in rows])
        path = tmp_path / f"{n}.csv"
        write_csv(path, o.header, written_columns(o), layout, append=append)
        assert path.read_bytes() == _by_cells(o, append)


@pytest.mark.parametrize(
    "rows",
    [[["a"], [""]], [["", ""], ['"', "x,y"]], [["a\nb", "c"], ["d", "e\rf"]], [[""]]],
)
def test_csv_text_is_what_the_csv_writer_writes(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    header, *body = rows
    columns = [list(c) for c in zip(*body, strict=True)] or [[] for _ in header]
    assert csv_text(header, columns, ",") == buffer.getvalue()


def test_stamps_are_the_loading_rows_keys_and_times():
    error = Defect("deaths", "x", "accurate", "error", lambda *a: None)
    warning = Defect("deaths", "y", "accurate", "warning", lambda *a: None)
    at = datetime(2026, 11, 23, 8, 30)
    rows = [
        {"Số giấy báo tử": "D1", "updated_at": at},
        {"Số giấy báo tử": "D2", "updated_at": at},  # an error: not loaded
        {"Số giấy báo tử": 3, "updated_at": "2026-11-23"},  # not a time: not stamped
        {"Số giấy báo tử": "D4", "updated_at": at},  # a warning: loaded
    ]
    o = Output(
        rel="2026-11-24/p01/deaths.csv",
        expected_status="loaded",
        kind="x",
        header=["Số giấy báo tử", "updated_at"],
        rows=rows,
        planted=[(1, error), (3, warning)],
    )
    datasets, keys, times = _stamps(o, taken_columns(o))
    assert KEY_SEP not in "".join(keys)
    assert set(datasets) == {"deaths"}
    assert list(zip(keys, times, strict=True)) == [("D1", at.isoformat()), ("D4", at.isoformat())]
    o.planted = []
    o.rows = [rows[0], rows[1]]
    assert _stamps(o, taken_columns(o))[1] == ["D1", "D2"]
