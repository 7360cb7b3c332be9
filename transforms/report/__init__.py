"""The progress report as files people open, for one run date:

- `report_<date>.html`: a self-contained page (inline CSS and SVG charts, no network);
- `tien_do_<date>.xlsx`: one formatted sheet per progress table;
- `feedback/phan_hoi_<source>_<date>.xlsx`: what each province (and moh) should fix;
- `report_<date>.md` and one CSV per scorecard table, as before.

The warehouse is opened read-only; the restricted file (the quarantined rows for the
feedback files) too, and only if it exists.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from transforms.reference import load as load_reference
from transforms.report import anomalies
from transforms.report import data as report_data
from transforms.report.feedback import write_feedback
from transforms.report.html import render
from transforms.report.workbook import write_workbook

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


def _markdown(data: report_data.ReportData, path: Path) -> Path:
    lines = [
        f"# Tiến độ cơ sở dữ liệu y tế / Health databases progress — {data.run_date}",
        "",
        "| CSDL / database | nhận / received | cách ly / quarantined | đúng | đủ | sạch | sống "
        "| tổng / overall | xếp loại / rating |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in data.table("database_scorecard").itertuples():
        lines.append(
            f"| {r.database_name_vi} / {r.database_name_en} (`{r.database_id}`) "
            f"| {r.rows_received:,} | {r.rows_quarantined:,} | {r.accurate_pct:.1f} "
            f"| {r.sufficient_pct:.1f} | {r.clean_pct:.1f} | {r.up_to_date_pct:.1f} "
            f"| {r.overall_pct:.1f} | {r.rating} |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
