"""The progress report as files people open, for one run date:

- `report_<date>.html`: a self-contained page (inline CSS and SVG charts, no network);
- `tien_do_<date>.xlsx`: one formatted sheet per progress table;
- `feedback/phan_hoi_<source>_<date>.xlsx`: what each province (and moh) should fix;
- `report_<date>.md` and one CSV per scorecard table, as before.

The warehouse is opened read-only; the restricted file (the quarantined rows for the
feedback files) too, and only if it exists.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from transforms.reference import load as load_reference
from transforms.report import anomalies
from transforms.report import data as report_data
from transforms.report.feedback import write_feedback
from transforms.report.html import render
from transforms.report.labels import BOOLEANS
from transforms.report.readable import readable
from transforms.report.workbook import write_workbook
from validations.databases import DATABASES

CSV_TABLES = ("database_scorecard", "province_scorecard", "submissions")


def write_report(
    warehouse: Path,
    out: Path,
    run_date: date | None = None,
    restricted: Path | None = None,
    method: report_data.Method | None = None,
) -> list[Path]:
    """Write the report of `run_date` (default: the latest night) into `out` and return its
    files. `restricted` defaults to restricted.duckdb next to the warehouse; `method` (the
    weights and delivery cut-off of the settings) completes the methodology section."""
    out.mkdir(parents=True, exist_ok=True)
    restricted = restricted or warehouse.with_name("restricted.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if run_date is None:
            run_date = report_data.latest_run_date(con)
        if run_date is None:
            raise RuntimeError(f"{warehouse} has no scored night yet")
        data = report_data.load(con, run_date)
        data.method = method
        written = [_markdown(data, out / f"report_{run_date}.md")]
        for table in CSV_TABLES:
            path = out / f"{table}_{run_date}.csv"
            data.table(table).to_csv(path, index=False)
            written.append(path)
        html = out / f"report_{run_date}.html"
        found = anomalies.load(con, run_date)
        html.write_text(render(data, extra=[anomalies.section_html(found)]), encoding="utf-8")
        written.append(html)
        written.append(write_workbook(data, out / f"tien_do_{run_date}.xlsx"))
        anomalies.add_sheet(written[-1], found.anomalies)
        names = load_reference().provinces
        feedback = write_feedback(con, restricted, run_date, out / "feedback", names)
        anomalies.add_to_feedback(feedback, found)
        written += feedback
    return written


def _cell(value: object, digits: int = 1) -> str:
    """A Markdown cell: numbers with separators, missing as –, `|` escaped."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return BOOLEANS[value]
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value).replace("|", "\\|")


def _markdown(data: report_data.ReportData, path: Path) -> Path:
    """The night's database scores and targets as Markdown: names first (Vietnamese, then
    English), the code last; ratings and booleans as words (Tốt / green, có / không)."""
    lines = [
        f"# Tiến độ cơ sở dữ liệu y tế / Health databases progress — {data.run_date}",
        "",
        "## Điểm theo CSDL / scores per database",
        "",
        "| CSDL / database | nhận / received | cách ly / quarantined | đúng | đủ | sạch | sống "
        "| tổng / overall | xếp loại / rating | mã / code |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    order = {db.id: k for k, db in enumerate(DATABASES)}
    scores = data.table("database_scorecard")
    if not scores.empty:
        scores = scores.sort_values("database_id", key=lambda c: c.map(order), kind="stable")
    for s in readable(scores, data.provinces).to_dict("records"):
        lines.append(
            f"| {_cell(s['database_name_vi'])} / {_cell(s['database_name_en'])} "
            f"| {_cell(int(s['rows_received']))} | {_cell(int(s['rows_quarantined']))} "
            f"| {_cell(s['accurate_pct'])} | {_cell(s['sufficient_pct'])} "
            f"| {_cell(s['clean_pct'])} | {_cell(s['up_to_date_pct'])} "
            f"| {_cell(s['overall_pct'])} | {_cell(s['rating'])} | `{s['database_id']}` |"
        )
    targets = data.table("target_status")
    if not targets.empty:
        lines += [
            "",
            "## Mục tiêu / targets",
            "",
            "| chỉ tiêu / metric | đối tượng / subject | giá trị / value | mục tiêu / target "
            "| hạn / deadline | đạt / met | đúng tiến độ / on track | xếp loại / rating |",
            "|---|---|---:|---:|---|---|---|---|",
        ]
        for r in readable(targets, data.provinces).to_dict("records"):
            target = _cell(r["target"])
            if _cell(r["target_high"]) != "–":
                target += f"–{_cell(r['target_high'])}"
            deadline = r["deadline"]
            when = "–" if pd.isna(deadline) else f"{pd.Timestamp(deadline):%Y-%m-%d}"
            lines.append(
                f"| {_cell(r['metric'])} | {_cell(r['subject_name'])} | {_cell(r['value'])} "
                f"| {target} | {when} | {_cell(r['met'])} | {_cell(r['on_track'])} "
                f"| {_cell(r['rating'])} |"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
