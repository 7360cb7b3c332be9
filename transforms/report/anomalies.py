"""Plausibility findings where people look (issue 17): a section of the HTML report (the
night's findings ranked by significance, a per-province view, a chart of each of the top
series with its plausible band), a sheet of the XLSX workbook, and a sheet in each
province's feedback file. Reads the published warehouse only (`dq.anomalies`,
`dq.schema_changes`, `dq.plausibility_summary`, `dq.night_stats`); a warehouse without
them gives an empty section and no sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from openpyxl import load_workbook

from transforms import sqlfiles
from transforms.report import svg
from transforms.report.data import table_exists
from transforms.report.workbook import write_frame

SQL = sqlfiles.SqlFolder("transforms.report")
SHEET = "Bất thường - Anomalies"
CHART_NIGHTS = 28
TOP_CHARTS = 6


@dataclass
class Findings:
    run_date: date
    anomalies: pd.DataFrame = field(default_factory=pd.DataFrame)  # ranked by score
    schema_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    series: dict[int, pd.DataFrame] = field(default_factory=dict)  # finding index -> nights


def load(con: duckdb.DuckDBPyConnection, run_date: date) -> Findings:
    """The night's findings from a read-only connection to the published warehouse."""
    out = Findings(run_date)
    if not table_exists(con, "dq", "anomalies"):
        return out
    params = {"run_date": run_date}
    out.anomalies = _frame(con, "anomalies_findings", params)
    out.schema_changes = _frame(con, "anomalies_schema_changes", params)
    out.summary = _frame(con, "anomalies_summary", params)
    since = run_date - timedelta(days=CHART_NIGHTS)
    for i, row in out.anomalies.head(TOP_CHARTS).iterrows():
        if row["check"] not in ("volume", "value") or not isinstance(row["source"], str):
            continue
        out.series[int(str(i))] = _frame(
            con,
            "anomalies_series",
            {
                **params,
                "since": since,
                "source": row["source"],
                "dataset": row["dataset"],
                "metric": row["metric"],
            },
        )
    return out


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    (statement,) = SQL.statements(name)
    return con.execute(statement, sqlfiles.bound(statement, params)).df()


def _band_chart(f: Findings, i: int, row: pd.Series) -> str:
    nights = f.series.get(i)
    if nights is None or len(nights) < 2:
        return ""
    points = list(zip(pd.to_datetime(nights["run_date"]).dt.date, nights["value"], strict=True))
    lo, hi = float(row["low"]), float(row["high"])
    values = [v for _, v in points] + [lo, hi]
    chart = svg.line_chart(
        points,
        title_vi=f"{row['source']} {row['dataset']} · {row['metric']}",
        title_en=f"dải hợp lý / plausible band {lo:,.0f}–{hi:,.0f}",
        width=340,
        height=140,
        y_range=(min(0.0, min(values)), max(values) * 1.05),
        colour="#c62828",
        digits=0,
    )
    return f'<div class="chart">{chart}</div>'


def section_html(f: Findings) -> str:
    """The report's section (empty when the warehouse has no plausibility tables)."""
    if f.summary.empty and f.anomalies.empty:
        return ""
    parts = [
        "<h2>Bất thường theo thời gian <small>/ Plausibility over time</small></h2>",
        "<p>Mỗi dòng: một chuỗi số liệu của một nguồn lệch khỏi lịch sử của chính nó "
        "(không cách ly dòng nào). / Each line: a source's series that moved away from its "
        "own history (no row is quarantined for it).</p>",
    ]
    if not f.summary.empty:
        cells = "".join(
            f"<tr><td>{escape(str(r['check']))}</td><td>{int(r['checked'])}</td>"
            f"<td>{int(r['findings'])}</td><td>{int(r['no_verdict'])}</td></tr>"
            for _, r in f.summary.iterrows()
        )
        parts.append(
            "<table><tr><th>kiểm tra / check</th><th>đã xét / judged</th>"
            "<th>phát hiện / findings</th><th>chưa đủ lịch sử / no verdict</th></tr>"
            f"{cells}</table>"
        )
    if f.anomalies.empty:
        parts.append("<p>Không có bất thường đêm nay. / No finding tonight.</p>")
    else:
        rows = "".join(
            f"<tr><td>{i + 1}</td><td>{escape(str(r['severity']))}</td>"
            f"<td>{float(r['score']):.1f}</td><td>{escape(str(r['check']))}</td>"
            f"<td>{escape(str(r['message_vi']))}<br><small>{escape(str(r['message_en']))}"
            "</small></td></tr>"
            for i, (_, r) in enumerate(f.anomalies.iterrows())
        )
        parts.append(
            "<h3>Xếp theo mức độ / Ranked by significance</h3><table><tr><th>#</th>"
            "<th>mức / severity</th><th>điểm / score</th><th>kiểm tra / check</th>"
            f"<th>nội dung / finding</th></tr>{rows}</table>"
        )
        charts = "".join(
            _band_chart(f, int(str(i)), r) for i, r in f.anomalies.head(TOP_CHARTS).iterrows()
        )
        if charts:
            parts.append(f"<h3>Chuỗi và dải hợp lý / Series and their band</h3>{charts}")
        per_province = (
            f.anomalies.assign(province=f.anomalies["province_code"].fillna("moh"))
            .groupby("province")
            .agg(findings=("score", "size"), top=("score", "max"))
            .sort_values("top", ascending=False)
        )
        prov_rows = "".join(
            f"<tr><td>{escape(str(p))}</td><td>{int(r['findings'])}</td>"
            f"<td>{float(r['top']):.1f}</td></tr>"
            for p, r in per_province.iterrows()
        )
        parts.append(
            "<h3>Theo tỉnh / By province</h3><table><tr><th>tỉnh / province</th>"
            f"<th>phát hiện / findings</th><th>điểm cao nhất / top score</th></tr>{prov_rows}"
            "</table>"
        )
    if not f.schema_changes.empty:
        rows = "".join(
            f"<tr><td>{escape(str(r['source_file']))}</td><td>{escape(str(r['change']))}</td>"
            f"<td>{escape(str(r['detail']))}</td></tr>"
            for _, r in f.schema_changes.iterrows()
        )
        parts.append(
            "<h3>Thay đổi cấu trúc tệp / Schema changes</h3><table><tr><th>tệp / file</th>"
            f"<th>thay đổi / change</th><th>chi tiết / detail</th></tr>{rows}</table>"
        )
    return "".join(parts)


def add_sheet(path: Path, frame: pd.DataFrame) -> None:
    """Add the findings sheet to the workbook at `path` (nothing when there is none)."""
    if frame.empty:
        return
    wb = load_workbook(path)
    ws = wb.create_sheet(SHEET)
    write_frame(ws, frame.reset_index(drop=True))
    wb.save(path)


def add_to_feedback(paths: list[Path], f: Findings) -> None:
    """Each source's findings as a sheet of its feedback file (`phan_hoi_<source>_...`)."""
    if f.anomalies.empty:
        return
    for path in paths:
        source = path.name.removeprefix("phan_hoi_").split("_")[0]
        mine = f.anomalies[
            (f.anomalies["source"] == source)
            | (("p" + f.anomalies["province_code"].fillna("")) == source)
        ]
        add_sheet(path, mine)
