"""The shape limits (issue 14): each hostile input is rejected with its own reason, before
the work it would make expensive. Limits are lowered so that the inputs stay small; the
cases that once stopped a whole night run at their real size where that is fast."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from tests.factories import visit_row
from transforms.ingest.reading import FileRejected, ShapeLimits, read_batches

SHAPE = ShapeLimits(
    max_line_bytes=1024**2,
    max_columns=1_000,
    max_json_depth=64,
    max_record_chars=1024**2,
    max_number_digits=100,
)


def read(path: Path, ext: str, shape: ShapeLimits = SHAPE) -> list[pd.DataFrame]:
    return list(
        read_batches(
            path,
            ext,
            batch_rows=1000,
            max_bytes=2**40,
            max_expanded_bytes=10**9,
            max_compression_ratio=200.0,
            shape=shape,
        )
    )


def rejection(path: Path, ext: str, shape: ShapeLimits = SHAPE) -> str:
    with pytest.raises(FileRejected) as info:
        read(path, ext, shape)
    reason = info.value.reason
    assert reason.vi and reason.en and reason.vi != reason.en
    return f"{reason.code}: {reason.en}"


def csv_text(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


# -- CSV -----------------------------------------------------------------------------------


def test_a_line_longer_than_the_limit_is_rejected_and_named(tmp_path):
    path = tmp_path / "visits.csv"
    rows = [visit_row(visit_id=f"V{i}") for i in range(3)]
    rows[1]["patient_name"] = "x" * 300
    path.write_text(csv_text(rows), encoding="utf-8")
    shape = replace(SHAPE, max_line_bytes=300)
    assert rejection(path, "csv", shape) == (
        "line_too_long: Line 3 is longer than the limit of 300 bytes"
    )
    assert len(read(path, "csv", replace(SHAPE, max_line_bytes=1000))[0]) == 3


@pytest.mark.parametrize("where", [100, 1024**2 - 700, 1024**2 - 1, 1024**2 + 10])
def test_line_lengths_are_measured_across_blocks(tmp_path, where):
    """The file is scanned in 1 MiB blocks: a long line is found wherever it falls."""
    path = tmp_path / "visits.csv"
    header = ",".join(visit_row()) + "\n"
    short = ",".join(visit_row().values()) + "\n"
    text = header + short * ((where - len(header)) // len(short) + 1)
    long = ",".join([*list(visit_row().values())[:-1], "y" * 1500]) + "\n"
    path.write_text(text + long + short * 3000, encoding="utf-8")
    line = text.count("\n") + 1
    size = len(long.encode("utf-8")) - 1  # the line's bytes, its break not counted
    assert rejection(path, "csv", replace(SHAPE, max_line_bytes=size - 1)) == (
        f"line_too_long: Line {line:,} is longer than the limit of {size - 1:,} bytes"
    )
    assert sum(map(len, read(path, "csv", replace(SHAPE, max_line_bytes=size)))) == line + 2999


def test_a_50_mb_line_is_rejected_at_once(tmp_path):
    path = tmp_path / "visits.csv"
    with path.open("wb") as fh:
        fh.write(b"visit_id,patient_name\nV1,")
        fh.write(b"x" * (50 * 1024**2))
        fh.write(b"\n")
    began = time.monotonic()
    assert rejection(path, "csv").startswith("line_too_long: Line 2 ")
    assert time.monotonic() - began < 2


def test_100_000_columns_are_rejected_from_the_header(tmp_path):
    path = tmp_path / "visits.csv"
    header = ",".join(f"c{i}" for i in range(100_000))
    path.write_text(header + "\n" + ",".join(["1"] * 100_000) + "\n" * 10, encoding="utf-8")
    began = time.monotonic()
    assert rejection(path, "csv", replace(SHAPE, max_line_bytes=10**7)) == (
        "too_many_columns: The file has 100,000 columns, more than the limit of 1,000"
    )
    assert time.monotonic() - began < 2


# -- JSON ----------------------------------------------------------------------------------


def write_json(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def nested(depth: int) -> str:
    return '[{"visit_id": "V1", "extra": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}]"


def test_json_nested_beyond_the_depth_limit_is_rejected(tmp_path):
    shape = replace(SHAPE, max_json_depth=4)
    ok = write_json(tmp_path / "ok.json", nested(4))  # the record, then three arrays
    assert read(ok, "json", shape)[0]["extra"].tolist() == ["[[[]]]"]
    deep = write_json(tmp_path / "deep.json", nested(5))
    assert rejection(deep, "json", shape) == (
        "too_deep: JSON record 1 is nested deeper than 4 levels"
    )


def test_json_nested_100_000_levels_is_rejected_not_a_recursion_error(tmp_path):
    path = write_json(tmp_path / "deep.json", nested(100_000))
    assert rejection(path, "json").startswith("too_deep: JSON record 1 ")


def test_a_record_longer_than_the_limit_is_rejected_as_such(tmp_path):
    shape = replace(SHAPE, max_record_chars=1000)
    records = [visit_row(visit_id=f"V{i}") for i in range(3)]
    records[2]["patient_name"] = "x" * 1000
    path = write_json(tmp_path / "big.json", json.dumps(records))
    assert rejection(path, "json", shape) == (
        "record_too_large: JSON record 3 is longer than the limit of 1,000 characters"
    )


def test_a_record_of_8_mb_is_rejected_without_reading_it_all(tmp_path):
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('[{"visit_id": "')
        fh.write("r" * (8 * 1024**2))
        fh.write('"}]')
    began = time.monotonic()
    assert rejection(path, "json").startswith("record_too_large: JSON record 1 ")
    assert time.monotonic() - began < 2


def test_a_syntax_error_early_in_a_big_file_is_not_taken_for_a_big_record(tmp_path):
    shape = replace(SHAPE, max_record_chars=1000)
    path = write_json(tmp_path / "bad.json", '[{"a": 1}, {"b": tru}, ' + " " * 200_000 + "]")
    assert rejection(path, "json", shape).startswith("corrupt: ")


def test_a_record_with_more_keys_than_columns_allowed_is_rejected(tmp_path):
    shape = replace(SHAPE, max_columns=50)
    path = write_json(tmp_path / "wide.json", json.dumps([{f"k{i}": i for i in range(51)}]))
    assert rejection(path, "json", shape) == (
        "too_many_columns: The file has 51 columns, more than the limit of 50"
    )


@pytest.mark.parametrize("digits", [11, 5_000])
def test_a_number_longer_than_the_limit_is_rejected(tmp_path, digits):
    shape = replace(SHAPE, max_number_digits=10)
    path = write_json(tmp_path / "n.json", '[{"visit_id": "V1", "beds": ' + "7" * digits + "}]")
    assert rejection(path, "json", shape) == (
        "number_too_long: JSON record 1 holds a number longer than 10 digits"
    )
    fine = write_json(tmp_path / "ok.json", '[{"beds": -1234567890, "cost": 1234567.125}]')
    assert read(fine, "json", shape)[0].iloc[0].tolist() == ["-1234567890", "1234567.125"]


def test_a_lone_surrogate_is_rejected_and_a_pair_is_a_character(tmp_path):
    lone = write_json(tmp_path / "lone.json", '[{"a": "x"}, {"a": "\\ud800"}]')
    assert rejection(lone, "json") == (
        "bad_text: JSON record 2 holds an invalid character (a lone surrogate \\uD800-\\uDFFF)"
    )
    pair = write_json(tmp_path / "pair.json", '[{"a": "\\ud83d\\ude00 An"}]')
    assert read(pair, "json")[0]["a"].tolist() == ["😀 An"]


# -- what is not a regular file ------------------------------------------------------------


def test_a_link_or_a_fifo_put_in_place_of_a_file_is_not_opened(tmp_path):
    target = write_json(tmp_path / "real.json", json.dumps([visit_row()]))
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert rejection(link, "json").startswith("not_regular: ")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert rejection(fifo, "json").startswith("not_regular: ")  # would block if opened
