"""CSV: UTF-8 (with or without BOM), UTF-16 or Windows-1258, separated by `,` `;` or tab,
read in batches so memory does not grow with the file.

The batches are those of `pandas.read_csv` (its C parser, every column text, only the
empty cell missing, blank lines skipped): pandas is the reference for what this reader
yields and rejects, and reads the whole file with `engine="pandas"`. By default pyarrow's
C++ reader reads it, two to three times faster, and pandas takes over from the first row
not yet yielded wherever the two would disagree:

- a row with fewer cells than the header (pandas pads it with missing values) or more
  (pandas rejects the file and names the line), a quote never closed, bytes that do not
  decode, no data row: pandas makes the batches or the rejection;
- a file of one column: a line of spaces is a row to pyarrow, a blank line to pandas;
- a carriage return followed by the separator: after a blank line ending in a lone `\\r`,
  pandas drops the next line's first separator;
- a header after two byte-order marks: pandas drops both.

pyarrow is given files on disk in UTF-8 only (a Windows-1258 or UTF-16 file is first
copied to a temporary UTF-8 file), never a Python object: its I/O thread reads ahead, and
reading through Python (a file object, or its own `encoding=` option) a reader left open
at exit can hang the interpreter (apache/arrow#43892).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from transforms.ingest.readers.base import FileRejected, ReadOptions, pandas_names
from transforms.ingest.readers.sniff import detect_encoding, require
from transforms.messages import Reason

log = logging.getLogger(__name__)

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t")
# pyarrow parses in blocks of this size and reads up to about 32 of them ahead of the
# batch being converted: the block size, not the file, bounds the reader's memory. 1 MiB
# blocks read the landing zone's visit files no more than 5% faster, with ~30 MiB more
# resident; 64 KiB keeps the peak the same for a 3 MB and a 37 MB file.
BLOCK_BYTES = 1 << 16

Engine = Literal["pyarrow", "pandas"]


def detect_delimiter(first_line: str) -> str:
    """The candidate that splits the header line most often (outside quotes)."""
    counts = {}
    for delim in DELIMITERS:
        try:
            counts[delim] = len(next(csv.reader([first_line], delimiter=delim)))
        except (csv.Error, StopIteration):
            counts[delim] = 0
    return max(DELIMITERS, key=lambda d: counts[d])


def read_csv_batches(
    path: Path, head: bytes, opts: ReadOptions, *, engine: Engine = "pyarrow"
) -> Iterator[pd.DataFrame]:
    """Batches of `opts.batch_rows` rows (the last one shorter) as `pandas.read_csv` reads
    them: columns named by the header line (blank -> `Unnamed: <i>`, repeated -> `name.1`),
    `str` values as delivered, NaN where a cell is empty, the index counting on from one
    batch to the next.

    `engine="pandas"` reads the whole file with pandas. Raises FileRejected
    (malformed_csv, bad_encoding or empty).
    """
    require(head, "csv", "text")
    _check_line_lengths(path, opts.shape.max_line_bytes)
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    first_line, opts.layout.header_row = next(
        ((ln, n) for n, ln in enumerate(_sample_lines(sample, encoding), 1) if ln.strip()), ("", 1)
    )
    delimiter = detect_delimiter(first_line)
    _check_columns(first_line, delimiter, opts.shape.max_columns)
    log.debug("%s: encoding %s, delimiter %r", path.name, encoding, delimiter)
    _check_first_row(_sample_lines(sample, encoding), delimiter)
    yielded = 0
    if engine == "pyarrow":
        try:
            with _utf8_file(path, encoding) as utf8:
                for batch in _arrow_batches(utf8, delimiter, opts.batch_rows):
                    yield batch
                    yielded += len(batch)
            return
        except _PandasNeeded as why:
            log.info("%s: read by pandas from data row %d on: %s", path.name, yielded + 1, why)
    yield from _pandas_batches(path, encoding, delimiter, opts.batch_rows, skip=yielded)


def _check_line_lengths(path: Path, limit: int) -> None:
    """Reject a file with a line longer than `limit` bytes before any parser buffers it
    (one 50 MB line took the staging's memory). Line breaks are found with numpy, one
    block at a time: a scan at memory speed, however many lines."""
    block_size = 1 << 20
    line, since = 1, 0  # the current line, and its bytes before this block
    with path.open("rb", buffering=0) as fh:
        while block := fh.read(block_size):
            breaks = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            if not len(breaks):
                since += len(block)
                if since > limit:
                    raise FileRejected(Reason.line_too_long(line, limit))
                continue
            # Lengths of the lines ending in this block (breaks not counted), then the rest.
            lengths = np.diff(breaks, prepend=-1) - 1
            lengths[0] += since
            longest = int(lengths.argmax())
            if lengths[longest] > limit:
                raise FileRejected(Reason.line_too_long(line + longest, limit))
            line += len(breaks)
            since = len(block) - int(breaks[-1]) - 1
            if since > limit:
                raise FileRejected(Reason.line_too_long(line, limit))


def _check_columns(first_line: str, delimiter: str, limit: int) -> None:
    try:
        count = len(next(csv.reader([first_line], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return  # a header cut inside a quote: the parsers judge it
    if count > limit:
        raise FileRejected(Reason.too_many_columns(count, limit))


def _sample_lines(sample: bytes, encoding: str) -> Iterator[str]:
    """The lines of `io.StringIO(sample.decode(encoding, errors="ignore"))`, decoded only as
    far as they are read: the header and the first row rarely need more than a few kB of
    the 1 MiB sample."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="ignore")
    rest = ""
    for start in range(0, len(sample), 1 << 16):
        chunk = sample[start : start + (1 << 16)]
        text = rest + decoder.decode(chunk, final=start + len(chunk) == len(sample))
        *lines, rest = text.split("\n")
        for line in lines:
            yield line + "\n"
    if rest:
        yield rest


# -- pyarrow -------------------------------------------------------------------------------


class _PandasNeeded(Exception):
    """pyarrow would not read the rest of the file as pandas does."""


@contextmanager
def _utf8_file(path: Path, encoding: str) -> Iterator[Path]:
    """The file itself when it is UTF-8, else a temporary UTF-8 copy, decoded strictly one
    block at a time."""
    if encoding in ("utf-8", "utf-8-sig"):
        yield path
        return
    decoder = codecs.getincrementaldecoder(encoding)()
    with (
        tempfile.NamedTemporaryFile(prefix="vnhealth-", suffix=".csv") as tmp,
        path.open("rb") as src,
    ):
        try:
            while block := src.read(1 << 20):
                tmp.write(decoder.decode(block).encode("utf-8"))
            tmp.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise _PandasNeeded(f"the bytes are not {encoding}") from exc
        tmp.flush()
        yield Path(tmp.name)


def _arrow_batches(path: Path, delimiter: str, batch_rows: int) -> Iterator[pd.DataFrame]:
    """pyarrow's reading of a UTF-8 file, in batches of exactly `batch_rows` rows (the last
    one shorter). Raises _PandasNeeded, before yielding the rows concerned, where that would
    not be pandas' reading."""
    _check_carriage_returns(path, delimiter)
    try:
        reader = pa_csv.open_csv(
            path,
            # One thread: staging runs next to the warehouse writer on two cores, and a
            # second one did not read the landing zone's files any faster.
            read_options=pa_csv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=True,
            ),
            convert_options=pa_csv.ConvertOptions(
                default_column_type=pa.large_string(),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
                check_utf8=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _PandasNeeded(_arrow_problem(exc)) from exc
    with reader:
        header = reader.schema.names
        if len(header) < 2:
            raise _PandasNeeded("one column")
        if header[0].startswith("\ufeff"):
            raise _PandasNeeded("a second byte-order mark")
        columns = pandas_names(header)
        pending: list[pa.RecordBatch] = []
        pending_rows = start = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:  # a row of too few or too many cells, not UTF-8
                raise _PandasNeeded(_arrow_problem(exc)) from exc
            pending.append(batch)
            pending_rows += batch.num_rows
            # The last row stays back until the end: a quote never closed runs into it.
            while pending_rows > batch_rows:
                taken, pending = _split(pending, batch_rows)
                pending_rows -= batch_rows
                yield _frame(taken, columns, start)
                start += batch_rows
    if start + pending_rows == 0:
        raise _PandasNeeded("no data rows")
    last = next(b for b in reversed(pending) if b.num_rows)
    _check_last_cell(path, delimiter, last.column(len(columns) - 1)[-1].as_py())
    yield _frame(pending, columns, start)


def _check_carriage_returns(path: Path, delimiter: str) -> None:
    """A carriage return followed by the separator anywhere in the file. A scan at memory
    speed, one block at a time (a memory map would count the whole file as resident)."""
    hazard = re.compile(re.escape(b"\r" + delimiter.encode()))
    block = bytearray(1 << 20)
    with path.open("rb", buffering=0) as fh:
        carry = 0  # the previous block's last byte, kept at the front
        while n := fh.readinto(memoryview(block)[carry:]):
            # One byte's find() is a memchr: a file without carriage returns costs nothing.
            if block.find(b"\r", 0, carry + n) != -1 and hazard.search(block, 0, carry + n):
                raise _PandasNeeded("a carriage return followed by the separator")
            block[0] = block[carry + n - 1]
            carry = 1


def _check_last_cell(path: Path, delimiter: str, value: str | None) -> None:
    """pyarrow reads a quote never closed as a cell running to the end of the file (the
    last row's last cell) where pandas rejects the file. Such a file ends with the
    separator or a line break, the quote, and the cell's text with its quotes doubled."""
    opened = b'"' + (value or "").replace('"', '""').encode("utf-8")
    with path.open("rb") as fh:
        size = fh.seek(0, io.SEEK_END)
        if size <= len(opened):
            return
        fh.seek(size - len(opened) - 1)
        tail = fh.read()
    if tail[1:] == opened and tail[:1] in (delimiter.encode(), b"\n", b"\r"):
        raise _PandasNeeded("a quote is never closed")


def _arrow_problem(exc: Exception) -> str:
    """pyarrow's error without the row it quotes (the cells are patient data)."""
    message = str(exc)
    found = re.search(r"Expected (\d+) columns, got (\d+)", message)
    if found:
        return f"a row has {found[2]} cells, the header {found[1]}"
    if "invalid UTF8" in message:
        return "the bytes are not UTF-8"
    return f"pyarrow: {message.split(':')[0]}"


def _split(
    batches: list[pa.RecordBatch], n: int
) -> tuple[list[pa.RecordBatch], list[pa.RecordBatch]]:
    """The first `n` rows of the batches, and the rest."""
    head: list[pa.RecordBatch] = []
    for i, batch in enumerate(batches):
        if n == 0:
            return head, batches[i:]
        if batch.num_rows <= n:
            head.append(batch)
            n -= batch.num_rows
        else:
            return [*head, batch.slice(0, n)], [batch.slice(n), *batches[i + 1 :]]
    return head, []


def _frame(batches: list[pa.RecordBatch], columns: list[str], start: int) -> pd.DataFrame:
    """The rows as a pandas chunk: `str` columns (NaN where missing), the index counting on
    from `start`."""
    frame = pa.Table.from_batches(batches).rename_columns(columns).to_pandas()
    frame.index = pd.RangeIndex(start, start + len(frame))
    return frame


# -- pandas --------------------------------------------------------------------------------


def _pandas_batches(
    path: Path, encoding: str, delimiter: str, batch_rows: int, *, skip: int = 0
) -> Iterator[pd.DataFrame]:
    """`pandas.read_csv`'s batches of the file, after its first `skip` data rows (yielded
    already)."""
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
            index_col=False,  # never take surplus cells as an index (shifts every value)
            encoding_errors="strict",
        )
        seen = 0
        for batch in reader:
            before, seen = seen, seen + len(batch)
            if seen > skip:
                yield batch.iloc[skip - before :] if before < skip else batch
        if not seen:
            raise FileRejected(Reason.empty())
    except UnicodeDecodeError as exc:
        raise FileRejected(Reason.bad_encoding()) from exc
    except pd.errors.EmptyDataError as exc:
        raise FileRejected(Reason.empty()) from exc
    except pd.errors.ParserError as exc:
        raise FileRejected(_malformed(str(exc))) from exc


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _check_first_row(lines: Iterator[str], delimiter: str) -> None:
    """pandas reads surplus cells of the first data row as an index (or drops them): catch
    that case here, from the sample's lines; surplus cells further down are a ParserError."""
    records = csv.reader(lines, delimiter=delimiter)
    try:
        header = next((r for r in records if any(c.strip() for c in r)), None)
        first = next((r for r in records if any(c.strip() for c in r)), None)
    except csv.Error:
        return  # the sample may end inside a quoted cell; pandas judges the whole file
    if header and first and len(first) > len(header):
        raise FileRejected(_malformed(f"Expected {len(header)} fields in line 2, saw {len(first)}"))


def _malformed(message: str) -> Reason:
    found = _FIELDS.search(message)
    if found:
        expected, line, saw = found.groups()
        return Reason.malformed_csv(
            f"dòng {line} có {saw} ô, nhiều hơn {expected} cột của dòng tiêu đề",
            f"line {line} has {saw} cells, more than the header's {expected} columns",
        )
    if "EOF inside string" in message or "EOF" in message:
        return Reason.malformed_csv(
            'dấu ngoặc kép (") mở mà không đóng', 'a quote (") is opened and never closed'
        )
    return Reason.malformed_csv(message.strip()[:200], message.strip()[:200])
