"""One feedback workbook per source (each province, and moh) that its data officer can act
on: per dataset what arrived and what was kept, counts per rule, every row rejected that
night with its reason in Vietnamese and English, and the rows rejected on earlier nights
that are still open (not since loaded), with their age in nights. Every label and value
reads Vietnamese first (statuses, criteria, severities, có / không); person ids are masked
(last 3 characters kept) and names reduced to initials; no cell is ever a formula."""

from __future__ import annotations

import json
import logging
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from transforms.ingest.headers import map_headers
from transforms.report.readable import readable
from transforms.report.workbook import first_sheet, set_value, write_frame
from validations.registry import DATASETS

log = logging.getLogger(__name__)

SQL_DIR = resources.files("transforms.report").joinpath("sql")  # package data
SUMMARY_SHEET = "Tổng hợp - Summary"
ROWS_SHEET = "Dòng bị từ chối - Rejected"
OPEN_SHEET = "Còn cách ly từ trước - Open"
ROW_COLUMNS = [
    "dataset",
    "nights_open",
    "first_quarantined_on",
    "source_file",
    "row_number",
    "record_key",
    "rule_id",
    "criterion",
    "severity",
    "reason_vi",
    "reason_en",
    "raw",
]


def mask_id(value: str) -> str:
    """A person id or card number with all but its last 3 characters hidden; several
    joined by `;` are masked one by one."""
    parts = []
    for part in str(value).split(";"):
        p = part.strip()
        parts.append("*" * max(3, len(p) - 3) + p[-3:] if len(p) > 3 else "***")
    return ";".join(parts)


def mask_name(value: str) -> str:
    """A name reduced to its initials: `Nguyễn Văn An` → `N. V. A.`"""
    return " ".join(f"{w[0]}." for w in str(value).split() if w) or "***"


@cache
def _pii_headers(dataset: str, headers: tuple[str, ...]) -> dict[str, str]:
    """Delivered header -> `pseudonymise` / `withhold` for the dataset's personal columns."""
    ds = DATASETS.get(dataset)
    if ds is None:
        return {}
    rename = map_headers(list(headers), ds).rename
    return {h: pii for h, c in rename.items() if (pii := ds.column(c).pii)}


def mask_raw(dataset: str, raw: str | dict | None) -> str:
    """The delivered row as `header=value; ...` with its personal fields masked."""
    if raw is None:
        return ""
    row = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(row, dict):
        return str(row)
    pii = _pii_headers(dataset, tuple(row))
    out = []
    for header, value in row.items():
        if value is None or value == "":
            shown = ""
        elif pii.get(header) == "withhold":
            shown = mask_name(value)
        elif pii.get(header):
            shown = mask_id(value)
        else:
            shown = str(value)
        out.append(f"{header}={shown}")
    return "; ".join(out)


def _sql(name: str) -> str:
    return SQL_DIR.joinpath(f"{name}.sql").read_text(encoding="utf-8")


def _split_message(message: str) -> tuple[str, str]:
    vi, sep, en = str(message).partition(" | ")
    return (vi, en) if sep else (message, message)


def quarantined_rows(restricted: Path, run_date: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The quarantined rows × rules for the feedback files, masked: those of the night, and
    those of earlier nights whose record is still open (not loaded cleanly since, and not
    quarantined again that night), each with the night its record was first quarantined
    and its age in nights (`nights_open`)."""
    empty = pd.DataFrame(columns=["source", *ROW_COLUMNS])
    if not restricted.exists():
        log.warning("no restricted file at %s: feedback without rejected rows", restricted)
        return empty, empty.copy()
    with duckdb.connect(str(restricted), read_only=True) as con:
        frame = con.execute(_sql("feedback_quarantine"), {"run_date": run_date}).df()
    messages = frame.pop("message").map(_split_message)
    frame["reason_vi"] = [m[0] for m in messages]
    frame["reason_en"] = [m[1] for m in messages]
    frame["raw"] = [mask_raw(ds, raw) for ds, raw in zip(frame.dataset, frame.raw, strict=True)]
    tonight = pd.Series(frame.pop("tonight"), dtype=bool)
    frame = frame[["source", *ROW_COLUMNS]]
    return (
        frame[tonight].reset_index(drop=True),
        frame[~tonight]
        .sort_values(["nights_open", "dataset"], ascending=[False, True])
        .reset_index(drop=True),
    )


def write_feedback(
    warehouse_con: duckdb.DuckDBPyConnection,
    restricted: Path,
    run_date: date,
    out: Path,
    province_names: dict[str, str] | None = None,
) -> list[Path]:
    """Write `out/phan_hoi_<source>_<run_date>.xlsx` for every source expected or heard
    from that night; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    params = {"run_date": run_date}
    deliveries = warehouse_con.execute(_sql("feedback_deliveries"), params).df()
    rules = warehouse_con.execute(_sql("feedback_rules"), params).df()
    submissions = warehouse_con.execute(
        "SELECT source, dataset, expected, status FROM progress.submissions WHERE run_date = $d",
        {"d": run_date},
    ).df()
    rows, older = quarantined_rows(restricted, run_date)
    sources = sorted(
        set(submissions.source) | set(deliveries.source) | set(rows.source) | set(older.source),
        key=lambda s: (s != "moh", s),
    )
    names = province_names or {}
    written = []
    for source in sources:
        summary = submissions[submissions.source == source].merge(
            deliveries[deliveries.source == source], on=["source", "dataset"], how="outer"
        )
        summary = summary.drop(columns=["source"]).sort_values("dataset")
        path = out / f"phan_hoi_{source}_{run_date}.xlsx"
        _write_one(
            path,
            source,
            names.get(source[1:], "Bộ Y tế" if source == "moh" else ""),
            run_date,
            summary,
            rules[rules.source == source].drop(columns=["source"]),
            rows[rows.source == source].drop(columns=["source"]),
            older[older.source == source].drop(columns=["source"]),
        )
        written.append(path)
    return written


def _write_one(
    path: Path,
    source: str,
    name: str,
    run_date: date,
    summary: pd.DataFrame,
    rules: pd.DataFrame,
    rows: pd.DataFrame,
    older: pd.DataFrame,
) -> None:
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = SUMMARY_SHEET
    title = f"Phản hồi chất lượng dữ liệu / Data quality feedback — {source} {name} — {run_date}"
    set_value(ws, 1, 1, title).font = Font(bold=True, size=14)
    set_value(
        ws,
        2,
        1,
        "Dòng bị từ chối (cách ly) chưa được nạp vào CSDL: sửa và gửi lại trong "
        "lần gửi sau. Số định danh chỉ hiện 3 ký tự cuối. / Rejected (quarantined) "
        "rows are not in the database: correct and re-send them with the next "
        "delivery. Person ids show their last 3 characters only.",
    )
    ws.cell(row=2, column=1).alignment = Alignment(wrap_text=False)
    set_value(ws, 4, 1, "Theo bộ dữ liệu / per dataset").font = Font(bold=True)
    write_frame(ws, readable(summary), start_row=5, english=True)
    start = 5 + len(summary) + 3
    set_value(
        ws,
        start - 1,
        1,
        "Theo quy tắc / per rule (lỗi = cách ly, cảnh báo = nạp kèm "
        "cảnh báo / error = quarantined, warning = loaded with a "
        "flag)",
    ).font = Font(bold=True)
    write_frame(ws, readable(rules), start_row=start, english=True)
    ws.freeze_panes = "A6"
    ws.auto_filter.ref = None
    ws2 = wb.create_sheet(ROWS_SHEET)
    write_frame(ws2, readable(rows), english=True)
    ws3 = wb.create_sheet(OPEN_SHEET)
    set_value(
        ws3,
        1,
        1,
        f"Dòng bị cách ly ở các đêm trước, đến {run_date} vẫn chưa được gửi lại đúng: "
        f"{len(older)} dòng × quy tắc; cũ nhất trước. / Rows quarantined on earlier nights and "
        f"still not re-sent correctly by {run_date}: {len(older)} row × rule; oldest first.",
    ).font = Font(bold=True)
    write_frame(ws3, readable(older), start_row=2, english=True)
    wb.save(path)
