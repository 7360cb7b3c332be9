"""Prefect artifacts of a night: the database scorecard as a table and a short bilingual
summary in Markdown, under stable keys so the Prefect UI shows each night as a new version
of the same artifact."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import duckdb
from prefect.artifacts import create_markdown_artifact, create_table_artifact

SCORECARD_KEY = "vnhealth-scorecard"
SUMMARY_KEY = "vnhealth-night-summary"
SCORECARD_COLUMNS = (
    "database_id",
    "database_name_vi",
    "rows_received",
    "rows_quarantined",
    "accurate_pct",
    "sufficient_pct",
    "clean_pct",
    "up_to_date_pct",
    "overall_pct",
    "rating",
    "delta_1d",
)


def scorecard_rows(con: duckdb.DuckDBPyConnection, run_date: date) -> list[dict[str, Any]]:
    """The night's database scorecard from a connection to the published warehouse (tables
    `progress.*`) or to the night's build (the warehouse attached as `wh`)."""
    attached = {
        r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    }
    table = "wh.progress.database_scorecard" if "wh" in attached else "progress.database_scorecard"
    cur = con.execute(
        f"SELECT * FROM {table} WHERE run_date = $d ORDER BY database_id", {"d": run_date}
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, (int, str, bool)):
        return value
    return str(value)


def summary_markdown(
    rows: Sequence[Mapping[str, Any]], run_date: date, night: Mapping[str, Any] | None = None
) -> str:
    """A few lines a person reads in the Prefect UI: the night, the counts, the red ones."""
    lines = [f"# Đêm {run_date} / night of {run_date}", ""]
    if night:
        lines.append(
            f"- tệp / files: {night.get('files', 0)} (nạp / loaded "
            f"{night.get('files_loaded', 0)}, từ chối / rejected "
            f"{night.get('files_rejected', 0)}, trùng / duplicate "
            f"{night.get('files_duplicate', 0)})"
        )
        lines.append(
            f"- dòng / rows: {night.get('rows_in', 0):,} nhận / in, "
            f"{night.get('rows_loaded', 0):,} nạp / loaded, "
            f"{night.get('rows_quarantined', 0):,} cách ly / quarantined"
        )
    if rows:
        mean = sum(r["overall_pct"] for r in rows) / len(rows)
        by_rating = {k: sum(r["rating"] == k for r in rows) for k in ("green", "amber", "red")}
        lines.append(f"- điểm tổng hợp trung bình / mean overall: {mean:.1f}")
        lines.append(
            f"- xanh / green {by_rating['green']}, vàng / amber {by_rating['amber']}, "
            f"đỏ / red {by_rating['red']} (trên / of {len(rows)} CSDL / databases)"
        )
        weak = sorted((r for r in rows if r["rating"] != "green"), key=lambda r: r["overall_pct"])
        if weak:
            lines += [
                "",
                "| CSDL / database | tổng / overall | xếp loại / rating |",
                "|---|---:|---|",
            ]
            lines += [
                f"| {r.get('database_name_vi', r['database_id'])} | "
                f"{r['overall_pct']:.1f} | {r['rating']} |"
                for r in weak
            ]
    else:
        lines.append("- chưa có điểm / no scores for this night")
    return "\n".join(lines) + "\n"


def anomaly_lines(con: duckdb.DuckDBPyConnection, run_date: date, top: int = 10) -> list[str]:
    """The night's plausibility findings (the most significant first) as Markdown lines,
    from the night's build (the warehouse attached as `wh`); none if it has no findings."""
    names = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    prefix = "wh." if "wh" in names else ""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'dq' "
        "AND table_name = 'anomalies' AND database_name = $db",
        {"db": "wh" if prefix else con.execute("SELECT current_database()").fetchone()[0]},  # type: ignore[index]
    ).fetchone()
    if not found or not found[0]:
        return []
    rows = con.execute(
        f"SELECT severity, score, message_vi, message_en FROM {prefix}dq.anomalies "
        "WHERE run_date = $d ORDER BY score DESC LIMIT $n",
        {"d": run_date, "n": top},
    ).fetchall()
    if not rows:
        return ["", "Bất thường / plausibility findings: 0"]
    lines = ["", "## Bất thường / plausibility findings", ""]
    lines += [f"- **{sev}** ({score:.1f}) {vi} / {en}" for sev, score, vi, en in rows]
    return lines


def publish_artifacts(
    warehouse_con_or_rows: duckdb.DuckDBPyConnection | Sequence[Mapping[str, Any]],
    run_date: date,
    night: Mapping[str, Any] | None = None,
) -> None:
    """Create the table artifact `vnhealth-scorecard` and the Markdown artifact
    `vnhealth-night-summary` for `run_date`. Pass a DuckDB connection (published warehouse
    or the night's build) or the scorecard rows already read; `night` is the run summary
    (files and row counts), optional. Call it inside the flow run."""
    if isinstance(warehouse_con_or_rows, duckdb.DuckDBPyConnection):
        rows = scorecard_rows(warehouse_con_or_rows, run_date)
    else:
        rows = [dict(r) for r in warehouse_con_or_rows]
    table = [{c: _cell(r.get(c)) for c in SCORECARD_COLUMNS} for r in rows]
    create_table_artifact(
        table=table,
        key=SCORECARD_KEY,
        description=f"Điểm CSDL đêm {run_date} / database scorecard of {run_date}",
    )
    extra = (
        anomaly_lines(warehouse_con_or_rows, run_date)
        if isinstance(warehouse_con_or_rows, duckdb.DuckDBPyConnection)
        else []
    )
    create_markdown_artifact(
        markdown=summary_markdown(rows, run_date, night) + "".join(f"{ln}\n" for ln in extra),
        key=SUMMARY_KEY,
        description=f"Tóm tắt đêm {run_date} / summary of the night {run_date}",
    )
