"""XLSX as ministry templates lay it out: a title block (national motto, agency, report
title) above the header, headers merged over two rows, a totals or notes block under the
data, several sheets of which one holds the data. Streamed with openpyxl's read-only mode.

The header row is found by matching the dataset's known column names, never by a fixed
offset; the table ends at the first blank row or a totals/notes row.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from transforms.ingest.readers.base import (
    FileRejected,
    ReadOptions,
    cell_text,
    frames,
    unique_headers,
)
from transforms.ingest.readers.sniff import require
from transforms.messages import Reason
from transforms.text import fold

log = logging.getLogger(__name__)

EXCEL_COLUMNS = 16_384  # a sheet's columns in Excel; openpyxl pads rows to `max_col`
HEADER_SCAN_ROWS = 40  # the title block of a template is never longer than this
MIN_HEADER_MATCHES = 2
ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")  # stream name in an encrypted OLE file

# Folded first cells that end the table: totals, notes and the signature block.
_END_EXACT = frozenset({"tong", "tong_cong", "cong", "tong_so", "cong_tong", "tong_so_cong"})
_END_PREFIX = ("tong_cong", "tong_so", "ghi_chu", "nguoi_lap", "thu_truong", "xac_nhan", "luu_y")
_COLUMN_NUMBER = re.compile(r"\(?([0-9]+|[A-Za-z])\)?")


@dataclass(frozen=True)
class _Table:
    sheet: str
    columns: list[str]
    first_data_row: int  # 1-based row of the sheet
    header_row: int = 1  # 1-based row of the header's top row
    sheet_index: int = 0  # 0-based position of the sheet in the workbook


def read_xlsx_batches(path: Path, head: bytes, opts: ReadOptions) -> Iterator[pd.DataFrame]:
    """Batches of the data table of the first sheet that holds it, as text columns."""
    if require(head, "xlsx", "zip", "ole") == "ole":
        raise FileRejected(Reason.encrypted() if _is_encrypted(path) else Reason.legacy_xls())
    check_archive(path, opts.max_expanded_bytes, opts.max_compression_ratio)
    import openpyxl  # here: half a second to import, and most nights' files are not workbooks

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any failure inside openpyxl: the workbook cannot be opened
        raise FileRejected(Reason.corrupt("xlsx", _short(exc))) from exc
    try:
        table = _find_table(wb, opts.header_keys, opts.shape.max_columns)
        if table is None:
            raise FileRejected(Reason.no_header())
        if len(table.columns) > opts.shape.max_columns:
            count = max(len(table.columns), wb[table.sheet].max_column or 0)
            raise FileRejected(Reason.too_many_columns(count, opts.shape.max_columns))
        log.debug("%s: sheet %r, columns %s", path.name, table.sheet, table.columns)
        opts.layout.header_row = table.header_row
        opts.layout.sheet_name = table.sheet
        opts.layout.sheet_index = table.sheet_index
        yield from frames(table.columns, _data_rows(wb[table.sheet], table), opts.batch_rows)
    except FileRejected:
        raise
    except Exception as exc:  # a damaged sheet part shows only while streaming it
        raise FileRejected(Reason.corrupt("xlsx", _short(exc))) from exc
    finally:
        wb.close()


def check_archive(path: Path, max_expanded: int, max_ratio: float) -> None:
    """Reject before opening: not a ZIP, not a workbook, or a ZIP that expands too far
    (sizes as the archive's directory declares them; Python's zipfile never inflates an
    entry beyond its declared size)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected(
            Reason.corrupt("xlsx", "không phải tệp ZIP trọn vẹn", "not a complete ZIP archive")
        ) from exc
    expanded = sum(i.file_size for i in infos)
    ratio = expanded / max(path.stat().st_size, 1)
    if expanded > max_expanded or ratio > max_ratio:
        raise FileRejected(Reason.too_expanded(expanded, max_expanded, ratio, max_ratio))
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise FileRejected(
            Reason.wrong_format(
                "xlsx", "một tệp ZIP không chứa bảng tính Excel", "a ZIP archive without a workbook"
            )
        )


def _is_encrypted(path: Path) -> bool:
    """An OLE compound file holding an `EncryptionInfo` stream is an encrypted OOXML file
    (what msoffcrypto-tool looks for); any other OLE file is a legacy .xls or .doc."""
    tail = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if ENCRYPTION_MARK in tail + block:
                return True
            tail = block[-len(ENCRYPTION_MARK) :]
    return False


def _find_table(wb, keys: frozenset[str], max_columns: int) -> _Table | None:
    """The header of the first sheet with the most known column names in one row. Only the
    first `max_columns + 1` columns are looked at: a wider table is rejected by the caller
    without its cells being read."""
    best: tuple[int, str, list[list[object]], int, int] | None = None
    for index, ws in enumerate(wb.worksheets):
        head = [
            list(r)
            for r in ws.iter_rows(
                max_row=HEADER_SCAN_ROWS,
                max_col=min(max_columns + 1, EXCEL_COLUMNS),
                values_only=True,
            )
        ]
        for i, row in enumerate(head):
            score = _matches(row, keys) if keys else _filled(row)
            if score >= MIN_HEADER_MATCHES and (best is None or score > best[0]):
                best = (score, ws.title, head, i, index)
            if not keys and best is not None:
                break  # without known names the first row of two or more cells is the header
    if best is None:
        return None
    _, title, head, i, index = best
    top, below = i, i + 1
    if below < len(head) and _matches(head[below], keys):
        upper, lower = head[top], head[below]
    elif top > 0 and _matches(head[top - 1], keys):
        upper, lower, top, below = head[top - 1], head[top], top - 1, top
    else:
        upper, lower = head[top], []
    names = _merge_header(upper, lower, keys)
    width = max((j + 1 for j, n in enumerate(names) if n is not None), default=0)
    first = (below if lower else top) + 2  # 1-based row after the header
    if first - 1 < len(head) and _is_column_numbers(head[first - 1][:width]):
        first += 1  # the "(1) (2) (3)..." line that templates print under the header
    return _Table(title, unique_headers(names[:width]), first, top + 1, index)


def _merge_header(
    upper: Sequence[object], lower: Sequence[object], keys: frozenset[str]
) -> list[str | None]:
    """One name per column of a header merged over two rows: a known name wins (the lower
    row first: it holds the parts under a group title), then whatever the cell says."""
    width = max(len(upper), len(lower))
    names: list[str | None] = []
    for j in range(width):
        up = _text(upper[j] if j < len(upper) else None)
        low = _text(lower[j] if j < len(lower) else None)
        known = [t for t in (low, up) if t is not None and fold(t) in keys]
        names.append(known[0] if known else low or up)
    return names


def _data_rows(ws, table: _Table) -> Iterator[list[str | None]]:
    """Rows of the table until a blank or totals row; later rows that look like data
    (half the columns filled) reject the file rather than being silently dropped."""
    width = len(table.columns)
    ended_at: int | None = None
    for n, row in enumerate(
        ws.iter_rows(min_row=table.first_data_row, max_col=width, values_only=True),
        start=table.first_data_row,
    ):
        cells = [_text(v) for v in row[:width]]
        cells += [None] * (width - len(cells))
        filled = sum(c is not None for c in cells)
        if ended_at is None:
            if filled == 0 or _is_end(cells):
                ended_at = n
                continue
            yield cells
        elif filled >= max(2, (width + 1) // 2) and not _is_end(cells):
            raise FileRejected(Reason.data_after_blank(table.sheet, ended_at))


def _text(value: object) -> str | None:
    text = cell_text(value)
    return text if text is not None and text.strip() else None


def _matches(row: Sequence[object], keys: frozenset[str]) -> int:
    return sum(1 for v in row if isinstance(v, str) and fold(v) in keys)


def _filled(row: Sequence[object]) -> int:
    return sum(1 for v in row if _text(v) is not None)


def _is_end(cells: Sequence[str | None]) -> bool:
    first = next((c for c in cells if c is not None), None)
    if first is None:
        return False
    key = fold(first)
    return key in _END_EXACT or key.startswith(_END_PREFIX)


def _is_column_numbers(row: Sequence[object]) -> bool:
    """`(1) (2) (3)...` or `A B 1 2 3...`: numbers counting up by one, letters allowed."""
    texts = [t.strip() for t in (_text(v) for v in row) if t is not None]
    if len(texts) < MIN_HEADER_MATCHES or not all(_COLUMN_NUMBER.fullmatch(t) for t in texts):
        return False
    numbers = [int(t.strip("()")) for t in texts if t.strip("()").isdigit()]
    return all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False)) and (
        not numbers or numbers[0] in (0, 1)
    )


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]
