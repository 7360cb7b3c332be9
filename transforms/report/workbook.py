"""XLSX workbooks with openpyxl: one formatted sheet per progress table (Vietnamese headers,
frozen header row, number formats, fills by rating), and the safe cell writer shared with
the provinces' feedback files."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from transforms.report.data import ReportData
from transforms.report.labels import (
    BOOLEANS,
    RATING_FILL,
    RATINGS,
    STATUS_FILL,
    STATUSES,
    bilingual,
    column_label,
)
from transforms.report.readable import readable

_SURROGATES = re.compile("[\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="0D3B66")
HEADER_FONT = Font(bold=True, color="FFFFFF")

# A status shown as its label ("Đã nhận / received") keeps the fill of the status.
_STATUS_OF_LABEL = {bilingual(pair): status for status, pair in STATUSES.items()}
_RATING_OF_LABEL = {bilingual(pair): rating for rating, pair in RATINGS.items()}
_ON_TRACK_FILL = {True: "green", False: "red", BOOLEANS[True]: "green", BOOLEANS[False]: "red"}

SHEETS: dict[str, str] = {  # progress table -> sheet name (≤ 31 characters)
    "database_scorecard": "Điểm CSDL",
    "province_scorecard": "Điểm tỉnh × CSDL",
    "submissions": "Tình hình gửi",
    "procedures_summary": "TTHC tổng hợp",
    "procedures_by_province": "TTHC theo tỉnh",
    "target_status": "Mục tiêu",
    "open_quarantine": "Cách ly còn mở",
    "targets": "Chỉ tiêu cấu hình",
}


def first_sheet(wb: Workbook) -> Worksheet:
    """The worksheet a new `Workbook()` opens with."""
    ws = wb.active
    if not isinstance(ws, Worksheet):
        raise TypeError("a new workbook opens with a worksheet")
    return ws


def cell_text(value: str) -> str:
    """Text as a cell can hold it: the control characters XML 1.0 forbids (a `\\x01` in a
    delivered cell made openpyxl refuse the whole workbook) become U+FFFD, and a lone
    surrogate too; everything else is kept as delivered."""
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return _SURROGATES.sub("\ufffd", value)


def set_value(ws: Worksheet, row: int, col: int, value):
    """Write `value`; text that a spreadsheet could run as a formula is stored as text
    (string type and a quote prefix), never as a formula. Returns the cell."""
    cell = ws.cell(row=row, column=col)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        cell.value = None
        return cell
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
        if value.time() == datetime.min.time():
            value = value.date()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, (list, tuple, dict)):
        value = str(value)
    if isinstance(value, str):
        value = cell_text(value)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _number_format(column: str, series: pd.Series) -> str | None:
    if (
        column.endswith("_pct")
        or column.startswith("delta_")
        or column in ("value", "target", "target_high", "green", "amber")
    ):
        return "0.0"
    if column.endswith("_cost"):
        return "#,##0"
    if pd.api.types.is_integer_dtype(series):
        return "#,##0"
    if (
        pd.api.types.is_datetime64_any_dtype(series)
        or column in ("run_date", "deadline")
        or column.endswith("_since")
    ):
        return "yyyy-mm-dd"
    return None


def write_frame(
    ws: Worksheet,
    frame: pd.DataFrame,
    *,
    start_row: int = 1,
    labels: bool = True,
    english: bool = False,
) -> None:
    """A table from `start_row`: bilingual header (Vietnamese, then the column name, or
    with `english` its English label), then the rows, with number formats, rating fills,
    widths, a filter and a frozen header."""
    for j, column in enumerate(frame.columns, start=1):
        vi, en = column_label(column)
        second = en if english else column
        cell = set_value(ws, start_row, j, f"{vi}\n{second}" if labels else column)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[start_row].height = 32
    formats = {c: _number_format(c, frame[c]) for c in frame.columns}
    for i, row in enumerate(frame.itertuples(index=False), start=start_row + 1):
        for j, (column, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
            if isinstance(value, (date, datetime, pd.Timestamp)) and column not in formats:
                formats[column] = "yyyy-mm-dd"
            cell = set_value(ws, i, j, value)
            if formats[column]:
                cell.number_format = formats[column]
            fill = None
            if column == "rating" and _RATING_OF_LABEL.get(value, value) in RATING_FILL:
                fill = RATING_FILL[_RATING_OF_LABEL.get(value, value)]
            elif column == "status" and _STATUS_OF_LABEL.get(value, value) in STATUS_FILL:
                fill = STATUS_FILL[_STATUS_OF_LABEL.get(value, value)]
            elif column == "on_track" and isinstance(value, (bool, str)):
                track = _ON_TRACK_FILL.get(value)
                fill = RATING_FILL[track] if track else None
            if fill:
                cell.fill = PatternFill("solid", fgColor=fill)
    for j, column in enumerate(frame.columns, start=1):
        longest = max(
            [len(column_label(column)[0]), len(column)]
            + [len(str(v)) for v in frame[column].head(200)]
        )
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(9, longest + 2))
    last = get_column_letter(max(1, len(frame.columns)))
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1).coordinate
    if len(frame.columns):
        ws.auto_filter.ref = f"A{start_row}:{last}{start_row + max(1, len(frame))}"


def write_workbook(data: ReportData, path: Path) -> Path:
    """One sheet per progress table of the night (tables the warehouse lacks are left out),
    as a person reads it (`readable`): names first (Vietnamese), codes in the last columns,
    labels instead of English values, có / không instead of True / False."""
    wb = Workbook()
    wb.remove(first_sheet(wb))
    for table, sheet in SHEETS.items():
        frame = data.tables.get(table)
        if frame is None:
            continue
        ws = wb.create_sheet(sheet)
        write_frame(ws, readable(frame, data.provinces, codes_last=True))
    if not wb.sheetnames:
        wb.create_sheet("Trống")
    wb.properties.title = f"Tiến độ CSDL y tế / Health databases progress {data.run_date}"
    wb.save(path)
    return path
