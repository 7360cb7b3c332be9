"""Write generated rows the way real offices do: various encodings, separators, header
languages, number and date layouts, and decomposed Unicode."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import Path

import numpy as np

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@dataclass(frozen=True)
class Layout:
    """How one office writes its CSV files."""

    encoding: str = "utf-8"  # utf-8, utf-8-sig, utf-16, cp1258
    delimiter: str = ","
    vietnamese_headers: bool = False
    decomposed: bool = False  # NFD text
    local_numbers: bool = False  # 1.234.567,5
    local_dates: bool = False  # DD/MM/YYYY [HH:MM]
    claims_dates: bool = False  # yyyymmddHHMM, as the claims tables write times


def province_layout(index: int) -> Layout:
    """Deterministic variety: one office in so many writes its files each way."""
    vietnamese = index % 3 == 0
    return Layout(
        encoding=(
            "cp1258"
            if index % 7 == 3
            else "utf-16"
            if index % 9 == 5
            else "utf-8-sig"
            if index % 4 == 1
            else "utf-8"
        ),
        delimiter=";" if index % 5 == 2 else "\t" if index % 11 == 7 else ",",
        vietnamese_headers=vietnamese,
        decomposed=index % 6 == 4,
        local_numbers=vietnamese or index % 8 == 6,
        local_dates=index % 2 == 1,
        claims_dates=vietnamese,
    )


def _cp1258_char(ch: str) -> str:
    parts = unicodedata.normalize("NFD", ch)
    tones = "".join(c for c in parts if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
    return base + tones


def to_cp1258_text(text: str) -> str:
    """Windows-1258 has the vowels with their hats but tones as combining marks: keep the
    hats composed and put each tone after its letter, which cp1258 can encode. (Character
    by character of the NFC text, through a table of the characters the text uses.)"""
    text = unicodedata.normalize("NFC", text)
    table = {ord(ch): _cp1258_char(ch) for ch in set(text) if ord(ch) > 127}
    return text.translate(table)


def _cp1258_column(column: Sequence[str]) -> Sequence[str]:
    """`to_cp1258_text` of each cell (character by character: the cells joined, converted at
    once, then split), skipping a column of ASCII text."""
    joined = "\x00".join(column)
    if joined.isascii():
        return column
    if "\x00" in "".join(column):
        return list(map(to_cp1258_text, column))
    return to_cp1258_text(joined).split("\x00")


# The encoding of a file's later parts: no second byte-order mark.
CONTINUED = {
    "utf-16": "utf-16-le" if sys.byteorder == "little" else "utf-16-be",
    "utf-8-sig": "utf-8",
}


def csv_text(header: Sequence[str] | None, columns: Sequence[Sequence[str]], delimiter: str) -> str:
    """The text `csv.writer(delimiter=delimiter, lineterminator=CRLF)` writes for `header`
    (None: no header line) and the rows whose cells are the `columns`' (equal lengths), made
    a column at a time by C loops instead of the writer's step per cell: a column none of
    whose cells holds the delimiter, a quote or a line break is joined as it is; in the
    others each such cell is quoted (its quotes doubled), as the writer does."""
    special = re.compile(f'[{re.escape(delimiter)}"\r\n]').search
    specials = (delimiter, '"', "\r", "\n")
    lines = []
    if header is not None:
        lines.append(_line(list(header), special, delimiter))
    columns = [_quoted(column, special, specials) for column in columns]
    if len(columns) == 1:  # the writer quotes a row of one empty cell
        columns = [[v or '""' for v in columns[0]]]
    if columns and columns[0]:
        lines.append("\r\n".join(map(delimiter.join, zip(*columns, strict=True))))
    return "".join(line + "\r\n" for line in lines)


def _quoted(
    column: Sequence[str], special: Callable[[str], object], specials: tuple[str, ...]
) -> Sequence[str]:
    joined = "".join(column)  # no cell needs quotes: one search a character over the column
    if not any(ch in joined for ch in specials):  # (`in`, not the pattern: 10x faster)
        return column
    return ['"' + v.replace('"', '""') + '"' if special(v) else v for v in column]


def _line(cells: list[str], special: Callable[[str], object], delimiter: str) -> str:
    if cells == [""]:
        return '""'
    return delimiter.join(_quoted(cells, special, (delimiter, '"', "\r", "\n")))


def write_csv(
    path: Path,
    header: list[str],
    columns: Sequence[Sequence[str]],
    layout: Layout,
    append: bool = False,
) -> None:
    """Write the rows whose cells are the `columns`' (one list of strings a column, in the
    header's order) under `header` in the office's layout; `append`: add them to the file
    (a later part of it: no header, no byte-order mark)."""
    encoding = CONTINUED.get(layout.encoding, layout.encoding) if append else layout.encoding
    if encoding == "cp1258":  # its text made a column at a time: not the columns of ASCII
        header, columns = list(map(to_cp1258_text, header)), list(map(_cp1258_column, columns))
    text = csv_text(None if append else header, columns, layout.delimiter)
    if layout.decomposed and encoding != "cp1258":  # (cp1258's own form is composed)
        text = unicodedata.normalize("NFD", text)
    data = text.encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab" if append else "wb") as fh:
        fh.write(data)


def money(value: float | None, layout: Layout) -> str:
    if value is None:
        return ""
    if not layout.local_numbers:
        return f"{value:.0f}" if value == int(value) else f"{value:.2f}"
    whole = f"{int(value):,}".replace(",", ".")
    cents = round((value - int(value)) * 100)
    return whole + (f",{cents:02d}" if cents else "")


def moneys(values: list[float], layout: Layout) -> list[str] | None:
    """`money` of each of `values` (all floats), by numpy and C loops (None: some are not
    finite or too large for exact whole parts: take them one at a time)."""
    arr = np.array(values, dtype=float)
    if not values or not np.isfinite(arr).all() or (np.abs(arr) >= 2.0**53).any():
        return None
    whole = np.trunc(arr)
    rows = range(len(values))
    if not layout.local_numbers:  # "{:.0f}" of whole amounts, "{:.2f}" of the others
        exact = (arr == whole).tolist()
        texts = list(map("{:.2f}".format, values))
        wholes = map("{:.0f}".format, compress(values, exact))
        for i, text in zip(compress(rows, exact), wholes, strict=True):
            texts[i] = text
        return texts
    # The whole part with dots between thousands, then ",cc" where there are cents.
    texts = list(map("{:,}".format, whole.astype(np.int64).tolist()))
    texts = list(map(str.replace, texts, repeat(","), repeat(".")))
    cents = np.rint((arr - whole) * 100).astype(np.int64)
    some = (cents != 0).tolist()
    with_cents = map("{},{:02d}".format, compress(texts, some), compress(cents.tolist(), some))
    for i, text in zip(compress(rows, some), with_cents, strict=True):
        texts[i] = text
    return texts
