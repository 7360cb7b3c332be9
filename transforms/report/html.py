"""The progress report as one self-contained HTML page: inline CSS and inline SVG, no
script and no external resource, so it opens offline and prints as it shows."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from html import escape
from typing import Any

import pandas as pd

from transforms.report import svg
from transforms.report.data import ReportData, provincial_databases
from transforms.report.labels import (
    CRITERIA,
    CRITERION_COLOUR,
    METRICS,
    RATING_FILL,
    RATINGS,
    SEVERITIES,
    STATUS_FILL,
    STATUSES,
    SUBJECTS,
    database_name,
    dataset_name,
    source_name,
)
from validations.databases import DATABASES
from validations.registry import DATASETS, datasets_of

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
.kpi.total { background: #eef2f5; }
.kpi .sub { display: block; font-size: 12px; color: #455a64; margin-top: 3px; }
.method dt { font-weight: bold; margin-top: 8px; }
.method dd { margin: 2px 0 0 18px; font-size: 13px; }
.method code { background: #eef2f5; padding: 0 3px; }
td.na { background: #eceff1; color: #607d8b; }
td.nowrap { white-space: nowrap; }
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


def _scored_datasets() -> frozenset[str]:
    """Datasets of the 12 scored databases (the procedures tracker is counted apart)."""
    scored = {db.id for db in DATABASES if db.counts_in_scorecard}
    return frozenset(ds.id for ds in DATASETS.values() if ds.database_id in scored)


def headline(data: ReportData) -> dict[str, int]:
    """The night's counts as meta.files (and so meta.runs) hold them: everything, the 12
    databases, the procedures tracker (tthc) apart, and the files."""
    rec = data.received
    if rec.empty:
        return {}
    scored = rec[rec.dataset.isin(_scored_datasets())]
    procedures = rec[rec.dataset.map(lambda d: d in DATASETS and d not in _scored_datasets())]
    return {
        "rows_in": int(rec.rows_in.sum()),
        "rows_loaded": int(rec.rows_loaded.sum()),
        "rows_quarantined": int(rec.rows_quarantined.sum()),
        "files": int(rec.files.sum()),
        "files_rejected": int(rec.files_rejected.sum()),
        "scored_rows_in": int(scored.rows_in.sum()),
        "scored_rows_quarantined": int(scored.rows_quarantined.sum()),
        "procedures_rows_in": int(procedures.rows_in.sum()),
        "procedures_rows_quarantined": int(procedures.rows_quarantined.sum()),
    }


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def _kpis(data: ReportData) -> str:
    db = data.table("database_scorecard")
    sub = data.table("submissions")
    oq = data.table("open_quarantine")
    h = headline(data)
    tiles: list[tuple[str, str, str, str]] = []  # (vi, en, value, sub-line)
    if h:
        tiles += [
            (
                "Dòng nhận — 12 CSDL",
                "rows received, 12 databases",
                f"{h['scored_rows_in']:,}",
                f"cách ly / quarantined {h['scored_rows_quarantined']:,} "
                f"({_pct(h['scored_rows_quarantined'], h['scored_rows_in'])})",
            ),
            (
                "Thủ tục hành chính (tính riêng)",
                "procedures, counted apart",
                f"{h['procedures_rows_in']:,}",
                f"cách ly / quarantined {h['procedures_rows_quarantined']:,} "
                f"({_pct(h['procedures_rows_quarantined'], h['procedures_rows_in'])})",
            ),
            (
                "Cả đêm (= meta.runs)",
                "whole night, as meta.runs",
                f"{h['rows_in']:,}",
                f"cách ly / quarantined {h['rows_quarantined']:,} · tệp / files {h['files']:,}"
                f" (từ chối / rejected {h['files_rejected']})",
            ),
        ]
    if not db.empty:
        tiles += [
            (
                "Điểm tổng hợp trung bình",
                "mean overall score, 12 databases",
                f"{db.overall_pct.mean():.1f}",
                "",
            ),
            (
                "CSDL đạt mức xanh",
                "databases rated green",
                f"{(db.rating == 'green').sum()} / {len(db)}",
                "",
            ),
        ]
    if not sub.empty:
        exp = sub[sub.expected]
        tiles.append(
            (
                "Dữ liệu đã nhận đúng hạn",
                "deliveries received on time",
                f"{(exp.status == 'received').sum()} / {len(exp)}",
                "",
            )
        )
    if not oq.empty:
        tiles.append(
            (
                "Bản ghi còn cách ly",
                "quarantined records open",
                f"{int(oq.open_rows.sum()):,}",
                "tính cả các đêm trước / including earlier nights",
            )
        )
    note = ""
    if h:
        runs = len(data.runs)
        note = (
            f'<p class="note">12 CSDL {h["scored_rows_in"]:,} + TTHC '
            f"{h['procedures_rows_in']:,} = {h['rows_in']:,} dòng nhận, đúng như "
            f"<code>meta.runs</code> ({runs} lần chạy trong đêm); số dòng = số dòng nạp + số "
            f"dòng cách ly / 12 databases + procedures = rows received as meta.runs counts "
            f"them ({runs} run(s) this night); rows received = rows loaded + rows "
            f"quarantined ({h['rows_loaded']:,} + {h['rows_quarantined']:,}).</p>"
        )
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi{" total" if "meta.runs" in vi else ""}"><b>{escape(v)}</b>'
            f'<span>{escape(vi)}<br><span class="en">{escape(en)}</span></span>'
            + (f'<span class="sub">{escape(sub_line)}</span>' if sub_line else "")
            + "</div>"
            for vi, en, v, sub_line in tiles
        )
        + "</div>"
        + note
    )


def _in_database_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a per-database table in the order of DATABASES (kcb first), not by id."""
    order = {db.id: k for k, db in enumerate(DATABASES)}
    return frame.sort_values("database_id", key=lambda c: c.map(order), kind="stable")


def _scores(data: ReportData) -> str:
    db = data.table("database_scorecard")
    if db.empty:
        return ""
    db = _in_database_order(db)
    green, amber = _thresholds(data)
    series = [(f"{c}_pct", f"{vi} / {en}", CRITERION_COLOUR[c]) for c, (vi, en) in CRITERIA.items()]
    series.append(("overall_pct", "Tổng hợp / overall", "#37474f"))
    groups = [
        (r.database_name_vi, r.database_name_en, {k: getattr(r, k) for k, _, _ in series})
        for r in _rows(db)
    ]
    received = [r for r in _rows(db) if r.rows_received > 0]
    low = svg.nice_floor(
        min(
            (float(getattr(r, k)) for r in received for k, _, _ in series),
            default=amber,
        )
    )
    chart = svg.dot_rows(
        [
            (vi, en, values if r.rows_received > 0 else {})
            for (vi, en, values), r in zip(groups, _rows(db), strict=True)
        ],
        series,
        low=low,
        green=green,
        amber=amber,
        label="Điểm theo tiêu chí / scores by criterion",
        empty_note="không nhận được dòng nào: điểm 0 / nothing received: scores 0",
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
        + f'<p class="note">Trục bắt đầu từ {low:g}, không từ 0, để thấy chênh lệch; vạch đứt: '
        f"ngưỡng xanh {green:g} và vàng {amber:g}; hình thoi: điểm tổng hợp / the axis starts "
        f"at {low:g}, not 0, so that differences show; dashed: green {green:g} and amber "
        f"{amber:g} thresholds; diamond: overall score</p>"
        + "<table><tr>"
        + "".join(head)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def _heat_map(data: ReportData) -> str:
    ps = data.table("province_scorecard")
    if ps.empty:
        return ""
    green, amber = _thresholds(data)
    provinces = (
        ps[["province_code", "province_name"]].drop_duplicates().sort_values("province_code")
    )
    applicable = provincial_databases()
    cols = [(db.id, db.name_vi) for db in DATABASES if db.counts_in_scorecard]
    na = frozenset(d for d, _ in cols if d not in applicable)
    rows = [(r.province_code, f"{r.province_name} ({r.province_code})") for r in _rows(provinces)]
    values = {(r.province_code, r.database_id): float(r.overall_pct) for r in _rows(ps)}
    legend = (
        '<p class="legend">'
        + "".join(
            f'<span><i style="background:{svg.score_colour(v, green, amber)}"></i>{escape(t)}'
            "</span>"
            for v, t in (
                (100.0, f"≥ {green:g} tốt / green"),
                (amber, f"{amber:g}–{green:g} cần cải thiện / amber"),
                (0.0, f"< {amber:g} chưa đạt / red"),
            )
        )
        + f'<span><i style="background:{svg.NOT_APPLICABLE};border:1px solid #b0bec5"></i>'
        f"{svg.NOT_APPLICABLE_MARK} = không áp dụng: CSDL quốc gia do Bộ Y tế cung cấp, tỉnh "
        "không gửi / not applicable: a national registry delivered by the ministry, not by "
        "provinces</span></p>"
    )
    partly = [
        db
        for db in DATABASES
        if db.id in applicable
        and db.counts_in_scorecard
        and any(DATASETS[ds].delivered_by == "moh" for ds in datasets_of(db.id))
    ]
    note = ""
    if partly:
        note = (
            '<p class="note">Điểm của tỉnh chỉ tính các bộ dữ liệu tỉnh gửi; '
            + "; ".join(
                f"{escape(db.name_vi)}: "
                + ", ".join(
                    escape(dataset_name(ds)[0])
                    for ds in datasets_of(db.id)
                    if DATASETS[ds].delivered_by == "province"
                )
                for db in partly
            )
            + " / a province is scored on the datasets it delivers only.</p>"
        )
    return (
        _h2("Điểm tổng hợp theo tỉnh × CSDL", "overall score, province × database")
        + legend
        + note
        + svg.heat_map(
            rows,
            cols,
            values,
            green=green,
            amber=amber,
            label="tỉnh × CSDL / province × database",
            not_applicable=na,
        )
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
    names = {s: source_name(s, data.provinces) for s in sources}
    names |= {d: dataset_name(d)[0] for d in datasets}
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
                f"<tr><td>{escape(names[r.source])} <span class='note'>{escape(r.source)}"
                f"</span></td><td>{escape(names[r.dataset])} <span class='note'>"
                f"{escape(r.dataset)}</span></td>"
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
            sources,
            datasets,
            status,
            STATUS_FILL,
            label="nguồn × bộ dữ liệu / source × dataset",
            names=names,
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
            f"<td>{escape(_subject(r.subject))}</td><td class='num'>{_num(r.value)}</td>"
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


def _subject(subject: str) -> str:
    if subject in SUBJECTS:
        return SUBJECTS[subject][0]
    return database_name(subject)[0]


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


def _province(code: str, data: ReportData) -> str:
    if code == "moh":
        return "Bộ Y tế"
    name = data.provinces.get(code)
    return f"{name} ({code})" if name else code


def _open_quarantine(data: ReportData) -> str:
    oq = data.table("open_quarantine")
    if oq.empty:
        return ""
    top = oq[oq.open_rows > 0].head(20)
    rows = "".join(
        f"<tr><td>{escape(_province(r.province_code, data))}</td>"
        f"<td>{escape(database_name(r.database_id)[0])}</td>"
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


TOP_RULES = 3  # failing rules shown per database


def _top_rules(data: ReportData) -> str:
    tr = data.top_rules
    if tr.empty:
        return ""
    rows = []
    for db in DATABASES:
        top = tr[tr.database_id == db.id].head(TOP_RULES)
        for k, r in enumerate(_rows(top)):
            first = (
                f'<td rowspan="{len(top)}">{escape(db.name_vi)}<br><span class="note">'
                f"{escape(db.name_en)}</span></td>"
                if k == 0
                else ""
            )
            crit_vi, crit_en = CRITERIA.get(r.criterion, (r.criterion, r.criterion))
            sev_vi, sev_en = SEVERITIES.get(r.severity, (r.severity, r.severity))
            rows.append(
                f"<tr>{first}<td>{escape(r.description_vi)}<br><span class='note'>"
                f"{escape(r.description_en)} · {escape(r.rule_id)}</span></td>"
                f"<td class='nowrap'>{escape(crit_vi)}<br><span class='note'>{escape(crit_en)}"
                "</span></td>"
                f"<td class='nowrap'>{escape(sev_vi)}<br><span class='note'>{escape(sev_en)}"
                "</span></td>"
                f"<td class='num'>{_num(int(r.rows_failed))}</td>"
                f"<td class='num'>{_num(r.failed_pct, 2)}</td></tr>"
            )
    if not rows:
        return ""
    return (
        _h2(
            f"Các quy tắc bị vi phạm nhiều nhất theo CSDL (tối đa {TOP_RULES})",
            f"top failing rules per database (up to {TOP_RULES})",
        )
        + "<table><tr>"
        + _th("CSDL", "database")
        + _th("Quy tắc", "rule")
        + _th("Tiêu chí", "criterion")
        + _th("Mức độ", "severity")
        + _th("Số dòng vi phạm", "rows failed")
        + _th("% dòng đã kiểm tra", "% of rows checked")
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


_WHO = {
    "province": "dữ liệu tỉnh / provincial data",
    "moh": "danh mục của Bộ Y tế / ministry registries",
}

_CRITERION_TEXT = {  # what each criterion's rules check (QUALITY.md)
    "accurate": (
        "định dạng và danh mục (mã định danh, ICD-10, mã tỉnh, mã xã), logic giữa các trường "
        "(ngày theo thứ tự, tiền cộng đúng, CCCD khớp giới tính và năm sinh), tham chiếu tồn "
        "tại (cơ sở, thuốc, chứng chỉ)",
        "format and code lists, cross-field logic, reference integrity",
    ),
    "sufficient": (
        "trường bắt buộc có giá trị; mọi nguồn gửi đủ mọi bộ dữ liệu phải gửi",
        "required fields present; every expected source delivered every expected dataset",
    ),
    "clean": (
        "không trùng khóa, không giá trị rác (000000000000, “test”, “không rõ”), giá trị đã "
        "chuẩn hóa (Unicode NFC, mã tỉnh cũ quy đổi)",
        "no duplicate keys, no junk values, values normalised",
    ),
    "up_to_date": (
        "updated_at trong thời hạn cập nhật, gửi đúng hạn, sự kiện còn hiệu lực (không có lượt "
        "khám sau khi tử vong, chứng nhận còn hạn)",
        "updated_at within the freshness window, delivered on time, live facts",
    ),
}


def _methodology(data: ReportData) -> str:
    green, amber = _thresholds(data)
    m = data.method
    weights = (
        " + ".join(f"{m.weights[c]:g} × {CRITERIA[c][0]}" for c in CRITERIA)
        + f" ) / {sum(m.weights.values()):g}"
        if m is not None
        else None
    )
    fresh = ""
    if not data.freshness.empty:
        by_who: dict[str, str] = {}
        for r in _rows(data.freshness):
            who = DATASETS[r.dataset].delivered_by if r.dataset in DATASETS else "?"
            by_who.setdefault(who, r.description_vi)
        fresh = "; ".join(
            f"{_WHO.get(who, who)}: “{escape(text)}”"
            for who, text in sorted(by_who.items(), key=lambda kv: kv[0] != "province")
        )
    cutoff = (
        f"sau {m.delivery_cutoff_hour} giờ sáng ngày hôm sau / after "
        f"{m.delivery_cutoff_hour}:00 of the next morning"
        if m is not None
        else "sau giờ chốt (VNHEALTH_DELIVERY_CUTOFF_HOUR) / after the configured cut-off hour"
    )
    criteria = "".join(
        f"<dt>{escape(vi)} <span class='note'>/ {escape(en)} · <code>{c}_pct</code></span></dt>"
        f"<dd>{escape(_CRITERION_TEXT[c][0])} <span class='note'>/ "
        f"{escape(_CRITERION_TEXT[c][1])}</span><br>"
        + (
            "Điểm = trung bình trên các lần gửi phải có (nguồn × bộ dữ liệu) của tỷ lệ ô bắt "
            "buộc có giá trị; lần gửi thiếu tính 0 <span class='note'>— score = mean over the "
            "expected deliveries of the share of required cells filled; a missing delivery "
            "counts 0</span>"
            if c == "sufficient"
            else f"Điểm = 100 × (số dòng nhận − số dòng vi phạm quy tắc {escape(vi.lower())}) / "
            f"số dòng nhận <span class='note'>— score = 100 × rows with no {escape(en)}-rule "
            "failure ÷ rows received</span>"
        )
        + (f"<br>Thời hạn / freshness window: {fresh}" if c == "up_to_date" and fresh else "")
        + "</dd>"
        for c, (vi, en) in CRITERIA.items()
    )
    overall = (
        f"Tổng hợp / overall = ( {weights}"
        if weights
        else "Tổng hợp / overall = trung bình có trọng số của bốn tiêu chí (trọng số cấu hình "
        "VNHEALTH_WEIGHT_*) / the weighted mean of the four (weights configured)"
    )
    return (
        _h2("Phương pháp tính điểm", "how a score is computed")
        + '<dl class="method">'
        + criteria
        + f"<dt>Điểm tổng hợp <span class='note'>/ overall · <code>overall_pct</code></span>"
        f"</dt><dd>{escape(overall)}</dd>"
        f"<dt>Xếp loại <span class='note'>/ rating</span></dt><dd>Tốt (xanh) ≥ {green:g}; "
        f"cần cải thiện (vàng) ≥ {amber:g}; còn lại chưa đạt (đỏ). Một CSDL không nhận được "
        f"dòng nào được 0 điểm mọi tiêu chí / green ≥ {green:g}, amber ≥ {amber:g}, else red; "
        "a database with nothing received scores 0 on every criterion.</dd>"
        "<dt>Điểm theo tỉnh <span class='note'>/ per province</span></dt><dd>Chỉ tính các bộ "
        "dữ liệu do tỉnh gửi; CSDL quốc gia do Bộ Y tế cung cấp là “không áp dụng” với tỉnh / "
        "only the datasets the province delivers; national registries of the ministry are "
        "not applicable to a province.</dd>"
        f"<dt>{escape(' / '.join(STATUSES['late']))}</dt><dd>Tệp được ghi {escape(cutoff)}, "
        "dữ liệu vẫn được nạp / a file written after the cut-off; its rows are still "
        "loaded.</dd>"
        f"<dt>{escape(' / '.join(STATUSES['missing']))}</dt><dd>Nguồn phải gửi bộ dữ liệu "
        "này trong đêm nhưng không có tệp nào; tính 0 cho tiêu chí đủ / an expected "
        "(source, dataset) delivery with no file that night; counts 0 for sufficient.</dd>"
        f"<dt>{escape(' / '.join(STATUSES['rejected']))}</dt><dd>Có tệp nhưng mọi tệp bị từ "
        "chối (không đọc được, sai cấu trúc, thiếu cột bắt buộc) với một lý do rõ ràng / "
        "files arrived but every one was rejected, each with one clear reason.</dd>"
        "<dt>Dòng bị cách ly <span class='note'>/ quarantined row</span></dt><dd>Dòng vi phạm "
        "quy tắc mức lỗi: không nạp vào CSDL, có trong tệp phản hồi của tỉnh; dòng vi phạm "
        "quy tắc mức cảnh báo vẫn được nạp nhưng bị trừ điểm / a row failing an error rule "
        "is not loaded and is listed in the province's feedback file; a warning row is "
        "loaded and counts against its criterion.</dd>"
        "</dl>"
    )


# The page's sections in order: each takes the night's data and returns its HTML, or "" to
# leave the section out. A new section is one function and one line here.
SECTIONS: list[Callable[[ReportData], str]] = [
    _scores,
    _top_rules,
    _targets,
    _heat_map,
    _submissions,
    _procedures,
    _trends,
    _open_quarantine,
    _methodology,
]


def render(
    data: ReportData, generated_at: datetime | None = None, extra: Sequence[str] = ()
) -> str:
    """The page for `data`; every section whose table is empty is left out. `extra`:
    sections drawn elsewhere (plausibility findings, `transforms.report.anomalies`), shown
    before the methodology."""
    generated_at = generated_at or datetime.now()
    sections = [section(data) for section in SECTIONS]
    sections[-1:-1] = list(extra)
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
