"""Read a landing file into batches of text columns, as delivered.

A reader yields DataFrames whose columns are the file's own headers and whose values are
text (NA where empty); parsing and mapping happen later. A file that cannot be read raises
`FileRejected` with one clear, bilingual reason.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from transforms.messages import Reason

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t")


class FileRejected(Exception):
    """The whole file is rejected, for one reason."""

    def __init__(self, reason: Reason):
        super().__init__(str(reason))
        self.reason = reason


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern) or Windows-1258."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample[1:4:2] == b"\0\0" and sample[0:4:2] != b"\0\0":
        return "utf-16-le"
    if len(sample) >= 4 and sample[0:4:2] == b"\0\0" and sample[1:4:2] != b"\0\0":
        return "utf-16-be"
    try:
        # The sample may end inside a multi-byte character: let the decoder hold it back.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1258"


def detect_delimiter(first_line: str) -> str:
    """The candidate that splits the header line most often (outside quotes)."""
    counts = {}
    for delim in DELIMITERS:
        try:
            counts[delim] = len(next(csv.reader([first_line], delimiter=delim)))
        except (csv.Error, StopIteration):
            counts[delim] = 0
    return max(DELIMITERS, key=lambda d: counts[d])


def read_csv_batches(path: Path, batch_rows: int) -> Iterator[pd.DataFrame]:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileRejected(Reason.empty())
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    first_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    delimiter = detect_delimiter(first_line)
    try:
        reader = pd.read_csv(
            path,
            sep=delimiter,
            encoding=encoding,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            chunksize=batch_rows,
            skip_blank_lines=True,
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
        raise FileRejected(Reason.unreadable(f"mixed or unknown text encoding ({exc.reason})")) from exc
    except pd.errors.EmptyDataError as exc:
        raise FileRejected(Reason.empty()) from exc
    except pd.errors.ParserError as exc:
        raise FileRejected(Reason.unreadable(f"malformed CSV ({exc})")) from exc


READERS = {"csv": read_csv_batches}


def read_batches(path: Path, ext: str, *, batch_rows: int, max_bytes: int) -> Iterator[pd.DataFrame]:
    """Batches of text columns from a landing file of the given extension."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileRejected(Reason.too_large(size, max_bytes))
    reader = READERS.get(ext)
    if reader is None:
        raise FileRejected(Reason.unreadable(f"no reader for .{ext} files yet"))
    yield from reader(path, batch_rows)
