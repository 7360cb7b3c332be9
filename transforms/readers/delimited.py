"""CSV: UTF-8 (with or without BOM), UTF-16 or Windows-1258, separated by `,` `;` or tab,
read in chunks so memory does not grow with the file."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from transforms.messages import Reason
from transforms.readers.base import FileRejected, ReadOptions
from transforms.readers.sniff import detect_encoding, require

log = logging.getLogger(__name__)

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t")


def detect_delimiter(first_line: str) -> str:
    """The candidate that splits the header line most often (outside quotes)."""
    counts = {}
    for delim in DELIMITERS:
        try:
            counts[delim] = len(next(csv.reader([first_line], delimiter=delim)))
        except (csv.Error, StopIteration):
            counts[delim] = 0
    return max(DELIMITERS, key=lambda d: counts[d])


def read_csv_batches(path: Path, head: bytes, opts: ReadOptions) -> Iterator[pd.DataFrame]:
    """Batches of `opts.batch_rows` rows, columns named by the header line, values text."""
    require(head, "csv", "text")
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    first_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    delimiter = detect_delimiter(first_line)
    log.debug("%s: encoding %s, delimiter %r", path.name, encoding, delimiter)
    _check_first_row(text, delimiter)
    try:
        reader = pd.read_csv(
            path,
            sep=delimiter,
            encoding=encoding,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            chunksize=opts.batch_rows,
            skip_blank_lines=True,
            index_col=False,  # never take surplus cells as an index (shifts every value)
            encoding_errors="strict",
        )
        produced = False
        for batch in reader:
            if len(batch):
                produced = True
                yield batch
        if not produced:
            raise FileRejected(Reason.empty())
    except UnicodeDecodeError as exc:
        raise FileRejected(Reason.bad_encoding()) from exc
    except pd.errors.EmptyDataError as exc:
        raise FileRejected(Reason.empty()) from exc
    except pd.errors.ParserError as exc:
        raise FileRejected(_malformed(str(exc))) from exc


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _check_first_row(text: str, delimiter: str) -> None:
    """pandas reads surplus cells of the first data row as an index (or drops them): catch
    that case here; surplus cells further down are a ParserError."""
    records = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next((r for r in records if any(c.strip() for c in r)), None)
        first = next((r for r in records if any(c.strip() for c in r)), None)
    except csv.Error:
        return  # the sample may end inside a quoted cell; pandas judges the whole file
    if header and first and len(first) > len(header):
        raise FileRejected(_malformed(
            f"Expected {len(header)} fields in line 2, saw {len(first)}"))


def _malformed(message: str) -> Reason:
    found = _FIELDS.search(message)
    if found:
        expected, line, saw = found.groups()
        return Reason.malformed_csv(
            f"dòng {line} có {saw} ô, nhiều hơn {expected} cột của dòng tiêu đề",
            f"line {line} has {saw} cells, more than the header's {expected} columns")
    if "EOF inside string" in message or "EOF" in message:
        return Reason.malformed_csv("dấu ngoặc kép (\") mở mà không đóng",
                                    "a quote (\") is opened and never closed")
    return Reason.malformed_csv(message.strip()[:200], message.strip()[:200])
