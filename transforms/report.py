"""The progress report as files people open: one CSV per progress table and a short
bilingual summary in Markdown. (The HTML report and the workbook build on this.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

TABLES = ("database_scorecard", "province_scorecard", "submissions")


def write_report(warehouse: Path, out: Path, run_date: date | None = None) -> list[Path]:
    """Write the report of `run_date` (default: the latest night) and return its files."""
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if run_date is None:
            run_date = con.execute("SELECT max(run_date) FROM progress.database_scorecard").fetchone()[0]
        if run_date is None:
            raise RuntimeError(f"{warehouse} has no scored night yet")
        written = []
        for table in TABLES:
            path = out / f"{table}_{run_date}.csv"
            con.execute(
                f"COPY (SELECT * FROM progress.{table} WHERE run_date = $d) TO '{_quoted(path)}' "
                "(HEADER, DELIMITER ',')", {"d": run_date})
            written.append(path)
        rows = con.execute(
            "SELECT database_id, database_name_vi, database_name_en, rows_received, "
            "rows_quarantined, accurate_pct, sufficient_pct, clean_pct, up_to_date_pct, "
            "overall_pct, rating FROM progress.database_scorecard WHERE run_date = $d "
            "ORDER BY database_id", {"d": run_date}).fetchall()
    lines = [
        f"# Tiến độ cơ sở dữ liệu y tế / Health databases progress — {run_date}",
        "",
        "| CSDL / database | nhận / received | cách ly / quarantined | đúng | đủ | sạch | sống "
        "| tổng / overall | xếp loại / rating |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for db, vi, en, rec, q, a, s, c, u, o, rating in rows:
        lines.append(f"| {vi} / {en} (`{db}`) | {rec:,} | {q:,} | {a:.1f} | {s:.1f} | {c:.1f} "
                     f"| {u:.1f} | {o:.1f} | {rating} |")
    summary = out / f"report_{run_date}.md"
    summary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [summary, *written]


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
