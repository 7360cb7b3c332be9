"""What every reader shares: the rejection exception, the reading options and the
turning of rows of cell values into batches of text."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pandas as pd

from transforms.ingest.readers.errors import FileRejected

__all__ = ["FileRejected"]  # defined apart (`errors`), for the claims split workers


@dataclass(frozen=True)
class ShapeLimits:
    """How far a file's shape may go before it is rejected, checked before the work they
    would make expensive (from the settings of the same names): the bytes of a line of
    text (CSV), the columns of a file, and of a JSON record its nesting depth, its length
    in characters and the digits of one number."""

    max_line_bytes: int
    max_columns: int
    max_json_depth: int
    max_record_chars: int
    max_number_digits: int


# Only for readers called without limits (tests of other behaviour, tools): the limits of
# the libraries themselves (Python's int-string limit, the interpreter's recursion).
UNLIMITED = ShapeLimits(
    max_line_bytes=sys.maxsize,
    max_columns=1 << 24,
    max_json_depth=sys.maxsize,
    max_record_chars=1 << 26,
    max_number_digits=sys.get_int_max_str_digits() or 4300,
)


@dataclass
class FileLayout:
    """Where a reader found the file's table, for the night's layout drift checks
    (`dq.file_layouts`): the 1-based row of the header (its top row when merged over two)
    and, in a workbook, the data sheet's name and 0-based position. None: not applicable."""

    header_row: int | None = None
    sheet_name: str | None = None
    sheet_index: int | None = None


@dataclass(frozen=True)
class ReadOptions:
    """How a reader reads: batch size, the limits of an archive format (from the settings
    `max_xlsx_expanded_bytes` and `max_xlsx_compression_ratio`), the limits of a file's
    shape and the dataset's folded header keys (to find the header row under a title
    block)."""

    batch_rows: int
    max_expanded_bytes: int
    max_compression_ratio: float
    header_keys: frozenset[str] = field(default_factory=frozenset)
    shape: ShapeLimits = UNLIMITED
    # Claims packages: the dataset the file is read for (which table), the largest decoded
    # table (setting `max_claims_table_bytes`), and where the reader puts its notes on the file.
    dataset: str = ""
    max_table_bytes: int = 64 * 1024**2
    notes: list[str] = field(default_factory=list)
    # Where the reader found the table (filled while reading).
    layout: FileLayout = field(default_factory=FileLayout)


def cell_text(value: object) -> str | None:
    """A typed cell (spreadsheet or JSON scalar) as the text the parsers read.

    Whole numbers lose the `.0` a spreadsheet adds (`123`, not `123.0`); date-times become
    ISO `YYYY-MM-DD HH:MM:SS` (rounded to the second: Excel stores them as fractions of a
    day); text is returned untouched, so codes keep their leading zeros.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        rounded = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return rounded.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value)


def unique_headers(names: Sequence[str | None]) -> list[str]:
    """Header cells of a spreadsheet or record file as column names: each cell's text,
    trimmed (a blank or missing one empty), named by `pandas_names`."""
    return pandas_names([str(n).strip() if n is not None else "" for n in names])


def pandas_names(header: Sequence[str]) -> list[str]:
    """Column names as pandas' C parser makes them from the header's cells, so that every
    column can be looked up by its name: a blank one is `Unnamed: <i>`; a repeated one gets
    `.1`, `.2`..., skipping a name the header already holds; named columns keep their name
    before unnamed ones are numbered (the rules of `pandas.io.common.mangle_dupe_names`)."""
    names = [cell or f"Unnamed: {i}" for i, cell in enumerate(header)]
    order = [i for i, cell in enumerate(header) if cell] + [
        i for i, cell in enumerate(header) if not cell
    ]
    counts: dict[str, int] = {}
    for i in order:
        name = base = names[i]
        count = counts.get(name, 0)
        while count > 0:
            counts[base] = count + 1
            name = f"{base}.{count}"
            count = count + 1 if name in names else counts.get(name, 0)
        names[i] = name
        counts[name] = count + 1
    return names


def frames(
    columns: list[str], rows: Iterable[Sequence[str | None]], batch_rows: int
) -> Iterator[pd.DataFrame]:
    """Batches of at most `batch_rows` rows as `str` columns (missing = NA)."""
    batch: list[Sequence[str | None]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_rows:
            yield _frame(columns, batch)
            batch = []
    if batch:
        yield _frame(columns, batch)


def _frame(columns: list[str], rows: list[Sequence[str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype="str")
