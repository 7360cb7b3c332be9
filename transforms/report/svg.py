"""Small inline SVG charts drawn in Python: no JavaScript, no network, no library. Every
function returns one `<svg>` element as text; labels are escaped here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape

FONT = "font-family=\"'DejaVu Sans', 'Segoe UI', Arial, sans-serif\""
GRID = "#d0d4d9"
INK = "#263238"
MUTED = "#607d8b"

# The colours of a 0-100 score, one family per rating band so that a cell's colour says its
# rating (red below amber, amber up to green, green from green) and its shade says where in
# the band it sits: (band start colour, colour just below the band's end).
_RED = ((198, 40, 40), (239, 154, 154))
_AMBER = ((255, 183, 77), (255, 224, 130))
_GREEN = ((129, 199, 132), (46, 125, 50))


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> str:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def score_colour(value: float | None, green: float = 90.0, amber: float = 75.0) -> str:
    """A fill for a 0-100 score: red, amber or green by the rating thresholds, lighter or
    deeper within the band (a score just under green is pale amber, never greenish)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "#e0e0e0"
    v = max(0.0, min(100.0, float(value)))
    if v >= green:
        return _mix(*_GREEN, 1.0 if green >= 100 else (v - green) / (100.0 - green))
    if v >= amber:
        return _mix(*_AMBER, (v - amber) / (green - amber))
    return _mix(*_RED, 0.0 if amber <= 0 else v / amber)


def text_colour(fill: str) -> str:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 120 else INK


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}" '
        f'{FONT} font-size="12">' + "".join(body) + "</svg>"
    )


def _text(
    x: float,
    y: float,
    s: str,
    *,
    anchor: str = "start",
    size: int = 12,
    fill: str = INK,
    weight: str = "normal",
    extra: str = "",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}" {extra}>{escape(s)}</text>'
    )


def grouped_bars(
    groups: Sequence[tuple[str, str, dict[str, float]]],
    series: Sequence[tuple[str, str, str]],
    *,
    green: float = 90.0,
    amber: float = 75.0,
    width: int = 1240,
    label: str = "",
) -> str:
    """Horizontal grouped bars on a 0-100 axis: one group per (label_vi, label_en, values),
    one bar per series (key, label, colour), with the rating thresholds dashed."""
    left, right, top, bar, gap = 300, 60, 34, 9, 14
    plot_w = width - left - right
    group_h = bar * len(series) + gap
    height = top + group_h * len(groups) + 30
    x = lambda v: left + plot_w * max(0.0, min(100.0, v)) / 100  # noqa: E731
    body = []
    # Legend.
    lx: float = left
    for _, name, colour in series:
        body.append(f'<rect x="{lx}" y="6" width="12" height="12" fill="{colour}"/>')
        body.append(_text(lx + 16, 16, name))
        lx += 24 + 7.2 * len(name)
    for tick in range(0, 101, 25):
        body.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" '
            f'y2="{height - 26}" stroke="{GRID}"/>'
        )
        body.append(_text(x(tick), height - 10, f"{tick}", anchor="middle", fill=MUTED))
    for at, colour in ((green, "#2e7d32"), (amber, "#ef6c00")):
        body.append(
            f'<line x1="{x(at):.1f}" y1="{top - 6}" x2="{x(at):.1f}" y2="{height - 26}" '
            f'stroke="{colour}" stroke-dasharray="4 3"/>'
        )
    for i, (vi, en, values) in enumerate(groups):
        y0 = top + i * group_h
        body.append(_text(left - 8, y0 + group_h / 2 - 6, vi, anchor="end", weight="bold"))
        body.append(_text(left - 8, y0 + group_h / 2 + 8, en, anchor="end", fill=MUTED, size=11))
        for j, (key, name, colour) in enumerate(series):
            v = values.get(key)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            y = y0 + j * bar
            body.append(
                f'<rect x="{left}" y="{y:.1f}" width="{x(v) - left:.1f}" height="{bar - 1}" '
                f'fill="{colour}"><title>{escape(f"{vi} / {en} · {name}: {v:.1f}")}</title></rect>'
            )
            body.append(_text(x(v) + 3, y + bar - 1.5, f"{v:.1f}", size=9, fill=MUTED))
    return _svg(width, height, body, label)


def nice_floor(low: float, step: float = 5.0) -> float:
    """The axis start for scores whose lowest is `low`: a multiple of `step` at least one
    step below it, never below 0 (so 93.4 → 85, 99.9 → 95)."""
    return max(0.0, math.floor(low / step) * step - step)


def dot_rows(
    groups: Sequence[tuple[str, str, dict[str, float | None]]],
    series: Sequence[tuple[str, str, str]],
    *,
    low: float,
    green: float = 90.0,
    amber: float = 75.0,
    width: int = 1240,
    label: str = "",
    empty_note: str = "",
) -> str:
    """One row per group (label_vi, label_en, values) on an axis from `low` to 100, one dot
    per series (key, label, colour), the last series drawn as a larger diamond: scores that
    sit close together stay apart. A group whose values are all missing shows `empty_note`;
    a value below `low` is drawn at the axis start with its number."""
    left, right, top, row_h = 300, 70, 40, 30
    plot_w = width - left - right
    height = top + row_h * len(groups) + 34
    span = max(1e-9, 100.0 - low)
    x = lambda v: left + plot_w * (max(low, min(100.0, v)) - low) / span  # noqa: E731
    body = []
    lx: float = left
    for k, (_, name, colour) in enumerate(series):
        mark = (
            f'<rect x="{lx}" y="7" width="11" height="11" fill="{colour}" '
            f'transform="rotate(45 {lx + 5.5} 12.5)"/>'
            if k == len(series) - 1
            else f'<circle cx="{lx + 6}" cy="12" r="5.5" fill="{colour}"/>'
        )
        body.append(mark)
        body.append(_text(lx + 16, 16, name))
        lx += 26 + 7.2 * len(name)
    step = 1.0 if span <= 15 else 5.0 if span <= 50 else 10.0
    first = math.ceil(low / step) * step
    ticks = sorted({low, *(first + k * step for k in range(int((100.0 - first) / step) + 1))})
    for tick in ticks:
        body.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}" '
            f'y2="{height - 30}" stroke="{GRID}"/>'
        )
        body.append(_text(x(tick), height - 14, f"{tick:g}", anchor="middle", fill=MUTED))
    for at, colour in ((green, "#2e7d32"), (amber, "#ef6c00")):
        if low <= at <= 100:
            body.append(
                f'<line x1="{x(at):.1f}" y1="{top - 8}" x2="{x(at):.1f}" y2="{height - 30}" '
                f'stroke="{colour}" stroke-dasharray="4 3" stroke-width="1.5"/>'
            )
    for i, (vi, en, values) in enumerate(groups):
        y = top + i * row_h + row_h / 2
        if i % 2 == 0:
            body.append(
                f'<rect x="0" y="{y - row_h / 2:.1f}" width="{width}" height="{row_h}" '
                'fill="#f7f9fa"/>'
            )
        body.append(_text(left - 10, y - 1, vi, anchor="end", weight="bold"))
        body.append(_text(left - 10, y + 11, en, anchor="end", fill=MUTED, size=10))
        shown = [
            (k, key, name, colour, values.get(key))
            for k, (key, name, colour) in enumerate(series)
            if not _nan(values.get(key))
        ]
        if not shown:
            body.append(_text(left + 6, y + 4, empty_note, fill="#c62828", size=11))
            continue
        for k, _, name, colour, v in shown:
            assert v is not None
            tip = f"<title>{escape(f'{vi} / {en} · {name}: {v:.1f}')}</title>"
            if k == len(series) - 1:
                body.append(
                    f'<rect x="{x(v) - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" '
                    f'fill="{colour}" transform="rotate(45 {x(v):.1f} {y:.1f})">{tip}</rect>'
                )
                body.append(
                    _text(
                        x(v) + (10 if v < 100 - span * 0.06 else -10),
                        y - 8,
                        f"{v:.1f}",
                        anchor="start" if v < 100 - span * 0.06 else "end",
                        size=10,
                        weight="bold",
                    )
                )
            else:
                body.append(
                    f'<circle cx="{x(v):.1f}" cy="{y:.1f}" r="5" fill="{colour}" '
                    f'fill-opacity="0.85">{tip}</circle>'
                )
            if v < low:
                body.append(_text(x(v) + 8, y + 14, f"◀ {v:.0f}", size=9, fill="#c62828"))
    return _svg(width, height, body, label)


def _nan(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


NOT_APPLICABLE = "#eceff1"  # a database the row (a province) does not deliver
NOT_APPLICABLE_MARK = "KAD"  # không áp dụng


def heat_map(
    rows: Sequence[tuple[str, str]],
    cols: Sequence[tuple[str, str]],
    values: dict[tuple[str, str], float],
    *,
    green: float = 90.0,
    amber: float = 75.0,
    label: str = "",
    not_applicable: frozenset[str] = frozenset(),
) -> str:
    """A grid of scores: rows and cols are (key, label); cells coloured by score. Columns
    whose key is in `not_applicable` are pale grey and marked KAD (không áp dụng), never
    coloured as a score."""
    left = max(120, 7 * max((len(n) for _, n in rows), default=0) + 16)
    top, cw, ch = 170, 74, 20
    width, height = left + cw * len(cols) + 110, top + ch * len(rows) + 10
    body = []
    for j, (_, name) in enumerate(cols):
        cx = left + j * cw + cw / 2
        body.append(
            _text(
                cx,
                top - 8,
                name,
                anchor="start",
                size=11,
                extra=f'transform="rotate(-40 {cx:.1f} {top - 8})"',
            )
        )
    for i, (rkey, rname) in enumerate(rows):
        y = top + i * ch
        body.append(_text(left - 6, y + 14, rname, anchor="end", size=11))
        for j, (ckey, cname) in enumerate(cols):
            v = values.get((rkey, ckey))
            if ckey in not_applicable:
                fill, shown = NOT_APPLICABLE, NOT_APPLICABLE_MARK
            else:
                fill = score_colour(v, green, amber)
                shown = "–" if v is None else f"{v:.0f}"
            body.append(
                f'<rect x="{left + j * cw}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                f'fill="{fill}"><title>{escape(f"{rname} · {cname}: {shown}")}</title></rect>'
            )
            body.append(
                _text(
                    left + j * cw + cw / 2 - 1,
                    y + 13,
                    shown,
                    anchor="middle",
                    size=10,
                    fill=MUTED if ckey in not_applicable else text_colour(fill),
                )
            )
    return _svg(width, height, body, label)


def status_grid(
    rows: Sequence[str],
    cols: Sequence[str],
    status: dict[tuple[str, str], str],
    fills: dict[str, str],
    *,
    label: str = "",
    names: dict[str, str] | None = None,
) -> str:
    """Which delivery arrived: rows (sources) × cols (datasets), a cell per status. `names`
    gives the labels shown for row and column keys (default: the keys)."""
    names = names or {}
    left = max(60, 7 * max((len(names.get(r, r)) for r in rows), default=0) + 16)
    top, cw, ch = 130, 56, 16
    width, height = left + cw * len(cols) + 100, top + ch * len(rows) + 10
    body = []
    for j, name in enumerate(cols):
        cx = left + j * cw + cw / 2
        body.append(
            _text(
                cx,
                top - 8,
                names.get(name, name),
                size=11,
                extra=f'transform="rotate(-40 {cx:.1f} {top - 8})"',
            )
        )
    for i, rname in enumerate(rows):
        y = top + i * ch
        body.append(_text(left - 6, y + 12, names.get(rname, rname), anchor="end", size=11))
        for j, cname in enumerate(cols):
            s = status.get((rname, cname))
            if s is None:
                continue
            tip = escape(f"{names.get(rname, rname)} · {names.get(cname, cname)}: {s}")
            body.append(
                f'<rect x="{left + j * cw}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                f'fill="#{fills.get(s, "E0E0E0")}"><title>{tip}</title></rect>'
            )
    return _svg(width, height, body, label)


def funnel(stages: Sequence[tuple[str, str, float]], *, width: int = 760, label: str = "") -> str:
    """Centred bars narrowing from the first stage: (label_vi, label_en, count)."""
    top, bh, gap, left = 10, 34, 8, 250
    plot_w = width - left - 20
    height = top + (bh + gap) * len(stages)
    first = max((s[2] for s in stages), default=0) or 1
    body = []
    for i, (vi, en, n) in enumerate(stages):
        y = top + i * (bh + gap)
        w = max(2.0, plot_w * n / first)
        x0 = left + (plot_w - w) / 2
        shade = 90 - 12 * i
        tip = escape(f"{vi} / {en}: {n:,.0f}")
        body.append(
            f'<rect x="{x0:.1f}" y="{y}" width="{w:.1f}" height="{bh}" rx="3" '
            f'fill="hsl(205, 60%, {shade * 0.6:.0f}%)"><title>{tip}</title></rect>'
        )
        body.append(_text(left - 10, y + 15, vi, anchor="end", weight="bold"))
        body.append(_text(left - 10, y + 29, en, anchor="end", fill=MUTED, size=11))
        share = f"{n:,.0f}  ({100 * n / first:.1f} %)"
        body.append(
            _text(
                left + plot_w / 2,
                y + 22,
                share,
                anchor="middle",
                fill="#ffffff",
                weight="bold",
                extra='stroke="#0d3b66" stroke-width="0.3"',
            )
        )
    return _svg(width, height, body, label)


def band_gauge(
    value: float | None,
    low: float,
    high: float,
    *,
    scale_max: float = 50.0,
    width: int = 520,
    label: str = "",
) -> str:
    """A 0-`scale_max` % axis with the target band shaded and a marker at `value`."""
    left, right, y = 20, 20, 30
    plot_w = width - left - right
    x = lambda v: left + plot_w * max(0.0, min(scale_max, v)) / scale_max  # noqa: E731
    body = [
        f'<rect x="{left}" y="{y}" width="{plot_w}" height="14" fill="#eceff1"/>',
        f'<rect x="{x(low):.1f}" y="{y}" width="{x(high) - x(low):.1f}" height="14" '
        f'fill="#a5d6a7"><title>{escape(f"mục tiêu / target {low}–{high} %")}</title></rect>',
    ]
    for tick in range(0, int(scale_max) + 1, 10):
        body.append(_text(x(tick), y + 30, f"{tick} %", anchor="middle", fill=MUTED, size=10))
    body.append(
        _text(
            x((low + high) / 2),
            y - 6,
            f"{low:g}–{high:g} %",
            anchor="middle",
            fill="#2e7d32",
            size=11,
        )
    )
    if value is not None and not math.isnan(value):
        body.append(
            f'<polygon points="{x(value) - 6:.1f},{y - 2} {x(value) + 6:.1f},{y - 2} '
            f'{x(value):.1f},{y + 8}" fill="{INK}"/>'
        )
        body.append(
            f'<line x1="{x(value):.1f}" y1="{y}" x2="{x(value):.1f}" y2="{y + 14}" '
            f'stroke="{INK}" stroke-width="2"/>'
        )
        body.append(_text(x(value), y + 44, f"{value:.1f} %", anchor="middle", weight="bold"))
    return _svg(width, y + 52, body, label)


def line_chart(
    points: Sequence[tuple[date, float]],
    *,
    title_vi: str,
    title_en: str,
    width: int = 300,
    height: int = 130,
    y_range: tuple[float, float] | None = None,
    colour: str = "#1565c0",
    unit: str = "",
    digits: int = 1,
) -> str:
    """A small line chart of one series over nights, with its first and last value."""
    left, right, top, bottom = 34, 12, 34, 20
    pts = [(d, float(v)) for d, v in points if v is not None and not math.isnan(float(v))]
    body = [
        _text(4, 13, title_vi, weight="bold", size=11),
        _text(4, 26, title_en, fill=MUTED, size=10),
    ]
    if len(pts) < 2:
        body.append(
            _text(
                width / 2,
                height / 2 + 10,
                "chưa đủ lịch sử / not enough history",
                anchor="middle",
                fill=MUTED,
                size=10,
            )
        )
        return _svg(width, height, body, f"{title_vi} / {title_en}")
    lo, hi = y_range or (min(v for _, v in pts), max(v for _, v in pts))
    if hi - lo < 1:
        lo, hi = lo - 0.5, hi + 0.5
    d0, d1 = pts[0][0], pts[-1][0]
    span = max(1, (d1 - d0).days)
    px = lambda d: left + (width - left - right) * (d - d0).days / span  # noqa: E731
    py = lambda v: top + (height - top - bottom) * (1 - (v - lo) / (hi - lo))  # noqa: E731
    for tick in (lo, hi):
        body.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{width - right}" '
            f'y2="{py(tick):.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 3, py(tick) + 4, f"{tick:.0f}", anchor="end", size=9, fill=MUTED))
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{px(d):.1f},{py(v):.1f}" for i, (d, v) in enumerate(pts)
    )
    body.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for d, v in pts:
        body.append(
            f'<circle cx="{px(d):.1f}" cy="{py(v):.1f}" r="2.5" fill="{colour}">'
            f"<title>{escape(f'{d}: {v:,.{digits}f}{unit}')}</title></circle>"
        )
    body.append(_text(left, height - 5, str(d0), size=9, fill=MUTED))
    body.append(_text(width - right, height - 5, str(d1), anchor="end", size=9, fill=MUTED))
    body.append(
        _text(
            width - right,
            top - 3,
            f"{pts[-1][1]:,.{digits}f}{unit}",
            anchor="end",
            size=11,
            weight="bold",
            fill=colour,
        )
    )
    return _svg(width, height, body, f"{title_vi} / {title_en}")
