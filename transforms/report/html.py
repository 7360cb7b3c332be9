"""The progress report as one self-contained HTML page: inline CSS and inline SVG, no
script and no external resource, so it opens offline and prints as it shows."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import datetime
from html import escape
from typing import Any

import pandas as pd

from transforms.report import svg
from transforms.report.data import ReportData
from transforms.report.labels import (
    CRITERIA,
    CRITERION_COLOUR,
    METRICS,
    RATING_FILL,
    RATINGS,
    STATUS_FILL,
    STATUSES,
)

CSS = """
body { font-family: 'DejaVu Sans', 'Segoe UI', Arial, sans-serif; color: #263238;
       margin: 0; background: #f5f7f9; }
header { background: #0d3b66; color: #fff; padding: 18px 28px; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; opacity: .85; }
main { padding: 8px 28px 40px; max-width: 1320px; }
section { background: #fff; border: 1px solid #dde3e8; border-radius: 6px;
          padding: 12px 18px 16px; margin: 16px 0; overflow-x: auto; }
h2 { font-size: 17px; margin: 4px 0 10px; }
h2 .en, th .en, .kpi .en { color: #607d8b; font-weight: normal; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; }
.kpi { background: #fff; border: 1px solid #dde3e8; border-radius: 6px; padding: 10px 16px;
       min-width: 170px; }
.kpi b { display: block; font-size: 24px; }
.kpi span { font-size: 12px; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { border: 1px solid #dde3e8; padding: 4px 8px; text-align: left; }
th { background: #eef2f5; vertical-align: bottom; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
            vertical-align: -2px; }
.small-multiples { display: flex; flex-wrap: wrap; gap: 10px; }
.small-multiples svg { border: 1px solid #eceff1; border-radius: 4px; background: #fff; }
.note { color: #607d8b; font-size: 12px; }
.up { color: #2e7d32; } .down { color: #c62828; }
"""


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """`frame.itertuples()`: named tuples whose fields are the progress table's columns,
    which a type checker cannot know."""
    return frame.itertuples()


def _h2(vi: str, en: str) -> str:
    return f'<h2>{escape(vi)} <span class="en">/ {escape(en)}</span></h2>'


def _th(vi: str, en: str) -> str:
    return f'<th>{escape(vi)}<br><span class="en">{escape(en)}</span></th>'


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _date(v) -> str:
    if _missing(v) or v is pd.NaT:
        return "–"
    return str(v.date() if hasattr(v, "date") and callable(v.date) else v)


def _num(v, digits: int = 1) -> str:
    if _missing(v):
        return "–"
    return f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}"


def _delta(v) -> str:
    if _missing(v):
        return '<td class="num">–</td>'
    cls = "up" if v > 0.05 else "down" if v < -0.05 else ""
    return f'<td class="num {cls}">{v:+.1f}</td>'


def _rating_cell(r) -> str:
    if _missing(r):
        return "<td>–</td>"
    vi, en = RATINGS.get(r, (r, r))
    fill = RATING_FILL.get(r, "FFFFFF")
    return f'<td style="background:#{fill}">{escape(vi)} ({escape(en)})</td>'


def _thresholds(data: ReportData) -> tuple[float, float]:
    t = data.table("targets")
    row = t[(t.metric == "overall_pct") & (t.subject == "*")] if not t.empty else t
    if row.empty:
        return 90.0, 75.0
    return float(row.iloc[0].green), float(row.iloc[0].amber)


def _kpis(data: ReportData) -> str:
    db = data.table("database_scorecard")
    sub = data.table("submissions")
    oq = data.table("open_quarantine")
    tiles = []
    if not db.empty:
        tiles += [
            ("Điểm tổng hợp trung bình", "mean overall score", f"{db.overall_pct.mean():.1f}"),
            (
                "CSDL đạt mức xanh",
                "databases rated green",
                f"{(db.rating == 'green').sum()} / {len(db)}",
            ),
            ("Dòng nhận", "rows received", f"{int(db.rows_received.sum()):,}"),
            ("Dòng bị cách ly", "rows quarantined", f"{int(db.rows_quarantined.sum()):,}"),
        ]
    if not sub.empty:
        exp = sub[sub.expected]
        tiles.append(
            (
                "Dữ liệu đã nhận đúng hạn",
                "deliveries received on time",
                f"{(exp.status == 'received').sum()} / {len(exp)}",
            )
        )
    if not oq.empty:
        tiles.append(
            ("Bản ghi còn cách ly", "quarantined records open", f"{int(oq.open_rows.sum()):,}")
        )
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><b>{escape(v)}</b><span>{escape(vi)}<br>'
            f'<span class="en">{escape(en)}</span></span></div>'
            for vi, en, v in tiles
        )
        + "</div>"
    )


def _scores(data: ReportData) -> str:
    db = data.table("database_scorecard")
    if db.empty:
        return ""
    green, amber = _thresholds(data)
    series = [(f"{c}_pct", f"{vi} / {en}", CRITERION_COLOUR[c]) for c, (vi, en) in CRITERIA.items()]
    series.append(("overall_pct", "Tổng hợp / overall", "#37474f"))
    groups = [
        (r.database_name_vi, r.database_name_en, {k: getattr(r, k) for k, _, _ in series})
        for r in _rows(db)
    ]
    chart = svg.grouped_bars(
        groups, series, green=green, amber=amber, label="Điểm theo tiêu chí / scores by criterion"
    )
    has_delta = "delta_1d" in db.columns
    head = [
        _th("CSDL", "database"),
        _th("Nhận", "received"),
        _th("Cách ly", "quarantined"),
        *(_th(vi, en) for vi, en in CRITERIA.values()),
        _th("Tổng hợp", "overall"),
        _th("Xếp loại", "rating"),
    ]
    if has_delta:
        head += [_th("±1 ngày", "1 day"), _th("±7 ngày", "7 days"), _th("±30 ngày", "30 days")]
    rows = []
    for r in _rows(db):
        cells = [
            f"<td>{escape(r.database_name_vi)}<br><span class='note'>"
            f"{escape(r.database_name_en)}</span></td>",
            f'<td class="num">{_num(int(r.rows_received))}</td>',
            f'<td class="num">{_num(int(r.rows_quarantined))}</td>',
            *(f'<td class="num">{_num(getattr(r, f"{c}_pct"))}</td>' for c in CRITERIA),
            f'<td class="num"><b>{_num(r.overall_pct)}</b></td>',
            _rating_cell(r.rating),
        ]
        if has_delta:
            cells += [_delta(r.delta_1d), _delta(r.delta_7d), _delta(r.delta_30d)]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        _h2(
            "Điểm theo tiêu chí đúng, đủ, sạch, sống của từng CSDL",
            "scores per database by criterion",
        )
        + chart
        + f'<p class="note">Vạch đứt: ngưỡng xanh {green:g} và vàng {amber:g} / dashed: '
        f"green {green:g} and amber {amber:g} thresholds</p>"
        + "<table><tr>"
        + "".join(head)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def _heat_map(data: ReportData) -> str:
    ps = data.table("province_scorecard")
    db = data.table("database_scorecard")
    if ps.empty:
        return ""
    green, amber = _thresholds(data)
    provinces = (
        ps[["province_code", "province_name"]].drop_duplicates().sort_values("province_code")
    )
    names = dict(zip(db.database_id, db.database_name_vi, strict=False)) if not db.empty else {}
    cols = [(d, names.get(d, d)) for d in sorted(ps.database_id.unique())]
    rows = [(r.province_code, f"{r.province_code} {r.province_name}") for r in _rows(provinces)]
    values = {(r.province_code, r.database_id): float(r.overall_pct) for r in _rows(ps)}
    return _h2(
        "Điểm tổng hợp theo tỉnh × CSDL", "overall score, province × database"
    ) + svg.heat_map(
        rows, cols, values, green=green, amber=amber, label="tỉnh × CSDL / province × database"
    )


def _submissions(data: ReportData) -> str:
    sub = data.table("submissions")
    if sub.empty:
        return ""
    counts = sub.groupby("status").size().to_dict()
    legend = (
        '<p class="legend">'
        + "".join(
            f'<span><i style="background:#{STATUS_FILL[s]}"></i>{escape(vi)} / {escape(en)}: '
            f"{counts.get(s, 0)}</span>"
            for s, (vi, en) in STATUSES.items()
        )
        + "</p>"
    )
    sources = sorted(sub.source.unique(), key=lambda s: (s != "moh", s))
    datasets = sorted(sub.dataset.unique())
    status = {(r.source, r.dataset): r.status for r in _rows(sub)}
    problems = sub[sub.status != "received"].sort_values(["status", "source", "dataset"])
    table = ""
    if not problems.empty:
        table = (
            "<table><tr>"
            + _th("Nguồn", "source")
            + _th("Bộ dữ liệu", "dataset")
            + _th("Tình trạng", "status")
            + _th("Số tệp", "files")
            + "</tr>"
            + "".join(
                f"<tr><td>{escape(r.source)}</td><td>{escape(r.dataset)}</td>"
                f'<td style="background:#{STATUS_FILL.get(r.status, "FFFFFF")}">'
                f"{escape(' / '.join(STATUSES.get(r.status, (r.status, r.status))))}</td>"
                f'<td class="num">{r.files}</td></tr>'
                for r in _rows(problems)
            )
            + "</table>"
        )
    return (
        _h2("Tình hình gửi dữ liệu", "submission status")
        + legend
        + svg.status_grid(
            sources, datasets, status, STATUS_FILL, label="nguồn × bộ dữ liệu / source × dataset"
        )
        + table
    )


def _procedures(data: ReportData) -> str:
    ps = data.table("procedures_summary")
    if ps.empty:
        return ""
    r = ps.iloc[0]
    stages = [
        ("Tổng số TTHC", "all procedures", float(r.total)),
        ("Đủ điều kiện tích hợp", "portal eligible", float(r.portal_eligible)),
        ("Đã tích hợp Cổng DVCQG", "portal integrated", float(r.portal_integrated)),
        ("Trực tuyến toàn trình", "full online", float(r.full_online)),
    ]
    cost = None if _missing(r.cost_reduction_pct) else float(r.cost_reduction_pct)
    low = float(r.get("cost_target_low_pct", 30.0) or 30.0)
    high = float(r.get("cost_target_high_pct", 36.5) or 36.5)
    return (
        _h2("Thủ tục hành chính", "administrative procedures")
        + svg.funnel(stages, label="phễu TTHC / procedures funnel")
        + "<h3>Cắt giảm chi phí tuân thủ <span class='note'>/ compliance-cost reduction"
        "</span></h3>"
        + svg.band_gauge(
            cost,
            low,
            high,
            scale_max=max(50.0, (cost or 0) + 5),
            label="cắt giảm chi phí / cost reduction",
        )
    )


def _targets(data: ReportData) -> str:
    ts = data.table("target_status")
    if ts.empty:
        return ""
    rows = []
    for r in _rows(ts):
        vi, en = METRICS.get(r.metric, (r.metric, r.metric))
        track = "–" if _missing(r.on_track) else ("✔ có / yes" if r.on_track else "✘ không / no")
        target = _num(r.target) + ("" if _missing(r.target_high) else f"–{_num(r.target_high)}")
        rows.append(
            f"<tr><td>{escape(vi)}<br><span class='note'>{escape(en)}</span></td>"
            f"<td>{escape(r.subject)}</td><td class='num'>{_num(r.value)}</td>"
            f"<td class='num'>{target}</td>"
            f"<td>{escape(_date(r.deadline))}</td>"
            f"<td>{track}</td>{_rating_cell(r.rating)}</tr>"
        )
    return (
        _h2("Mục tiêu và tiến độ", "targets and whether they are on track")
        + "<table><tr>"
        + _th("Chỉ tiêu", "metric")
        + _th("Đối tượng", "subject")
        + _th("Giá trị", "value")
        + _th("Mục tiêu", "target")
        + _th("Hạn", "deadline")
        + _th("Đúng tiến độ", "on track")
        + _th("Xếp loại", "rating")
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def _trends(data: ReportData) -> str:
    h = data.history
    if h.empty or h.run_date.nunique() < 2:
        return (
            _h2("Xu hướng", "trends")
            + '<p class="note">Chưa đủ lịch sử (cần ít nhất 2 đêm) / not enough history '
            "yet (at least 2 nights).</p>"
        )
    lo = max(0.0, float(h.overall_pct.min()) - 2)
    charts = []
    for _, g in h.groupby("database_id", sort=True):
        first = g.iloc[0]
        pts = [
            (d.date() if hasattr(d, "date") else d, v)
            for d, v in zip(g.run_date, g.overall_pct, strict=True)
        ]
        charts.append(
            svg.line_chart(
                pts,
                title_vi=first.database_name_vi,
                title_en=first.database_name_en,
                y_range=(lo, 100.0),
            )
        )
    q = data.quarantine_history
    if not q.empty and len(q) >= 2:
        pts = [
            (d.date() if hasattr(d, "date") else d, float(v))
            for d, v in zip(q.run_date, q.open_rows, strict=True)
        ]
        charts.append(
            svg.line_chart(
                pts,
                title_vi="Bản ghi còn cách ly",
                title_en="quarantined records open",
                colour="#c62828",
                digits=0,
            )
        )
    return (
        _h2("Xu hướng điểm tổng hợp (30 đêm gần nhất)", "overall score trends, last 30 nights")
        + '<div class="small-multiples">'
        + "".join(charts)
        + "</div>"
    )


def _open_quarantine(data: ReportData) -> str:
    oq = data.table("open_quarantine")
    if oq.empty:
        return ""
    top = oq[oq.open_rows > 0].head(20)
    rows = "".join(
        f"<tr><td>{escape(r.province_code)}</td><td>{escape(r.database_id)}</td>"
        f"<td class='num'>{_num(int(r.open_rows))}</td>"
        f"<td class='num'>{_num(int(r.resolved_rows))}</td>"
        f"<td>{escape(_date(r.oldest_open_since))}</td>"
        f"<td class='num'>{'' if _missing(r.oldest_open_days) else int(r.oldest_open_days)}</td>"
        "</tr>"
        for r in _rows(top)
    )
    return (
        _h2("Bản ghi còn cách ly (nhiều nhất)", "open quarantine, largest first")
        + "<table><tr>"
        + _th("Tỉnh", "province")
        + _th("CSDL", "database")
        + _th("Còn mở", "open")
        + _th("Đã khắc phục", "resolved")
        + _th("Từ ngày", "since")
        + _th("Số ngày", "days")
        + "</tr>"
        + rows
        + "</table>"
    )


def render(
    data: ReportData, generated_at: datetime | None = None, extra: Sequence[str] = ()
) -> str:
    """The page for `data`; every section whose table is empty is left out. `extra`:
    sections drawn elsewhere (plausibility findings, `transforms.report.anomalies`)."""
    generated_at = generated_at or datetime.now()
    sections = [
        _scores(data),
        _targets(data),
        _heat_map(data),
        _submissions(data),
        _procedures(data),
        _trends(data),
        _open_quarantine(data),
        *extra,
    ]
    body = "".join(f"<section>{s}</section>" for s in sections if s)
    title = f"Tiến độ cơ sở dữ liệu y tế / Health databases progress — {data.run_date}"
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Tiến độ 12 cơ sở dữ liệu chuyên ngành y tế — đúng, đủ, sạch, sống</h1>"
        f"<p>Progress of the 12 specialised health databases — accurate, sufficient, clean, "
        f"up-to-date · ngày dữ liệu / run date <b>{data.run_date}</b> · lập lúc / generated "
        f"{generated_at:%Y-%m-%d %H:%M}</p></header><main>{_kpis(data)}{body}</main>"
        "</body></html>\n"
    )
