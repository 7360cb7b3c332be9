"""The inline SVG charts: well-formed XML, labels escaped, colours follow the thresholds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from transforms.report import svg

SVG = "{http://www.w3.org/2000/svg}"


def _parse(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    return root


@pytest.mark.parametrize(
    ("value", "colour"),
    [
        (100, "#2e7d32"),
        (90, "#81c784"),
        (75, "#ffb74d"),
        (0, "#c62828"),
        (None, "#e0e0e0"),
    ],
)
def test_score_colours_sit_on_the_rating_thresholds(value, colour):
    assert svg.score_colour(value) == colour


def test_the_colour_stops_move_with_the_thresholds():
    assert svg.score_colour(80, green=80, amber=60) == "#81c784"


@pytest.mark.parametrize(("value", "band"), [(89.9, "amber"), (74.9, "red"), (90.1, "green")])
def test_a_colour_says_its_rating_band(value, band):
    """A score just under a threshold is drawn in its own band's colour, not in a blend
    with the next band's (89 looked green)."""
    r, g, _ = (int(svg.score_colour(value)[i : i + 2], 16) for i in (1, 3, 5))
    assert {"green": g > r, "amber": r > g > 150, "red": r > g and g < 160}[band]


def test_grouped_bars_draw_one_bar_per_value_and_escape_labels():
    root = _parse(
        svg.grouped_bars(
            [("Dược <thuốc>", "Pharma & co", {"a": 50.0, "b": 100.0}), ("X", "Y", {"a": 10.0})],
            [("a", "A", "#111111"), ("b", "B", "#222222")],
        )
    )
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") in ("#111111", "#222222")]
    assert len(bars) == 3 + 2  # 3 values, 2 legend swatches
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Dược <thuốc>" in texts and "Pharma & co" in texts


def test_heat_map_has_a_cell_per_province_and_database():
    rows, cols = [("01", "01 Hà Nội"), ("04", "04 Cao Bằng")], [("kcb", "KCB"), ("duoc", "Dược")]
    root = _parse(svg.heat_map(rows, cols, {("01", "kcb"): 95.0, ("04", "duoc"): 40.0}))
    cells = list(root.iter(f"{SVG}rect"))
    assert len(cells) == 4
    assert {c.get("fill") for c in cells} >= {"#e0e0e0", svg.score_colour(40.0)}


def test_line_chart_needs_two_nights():
    one = svg.line_chart([(date(2026, 11, 24), 90.0)], title_vi="a", title_en="b")
    assert "not enough history" in one
    root = _parse(
        svg.line_chart(
            [(date(2026, 11, 23), 90.0), (date(2026, 11, 24), 92.5)], title_vi="a", title_en="b"
        )
    )
    assert len(list(root.iter(f"{SVG}circle"))) == 2
    assert "92.5" in [t.text for t in root.iter(f"{SVG}text")]


def test_funnel_and_gauge_are_well_formed():
    _parse(
        svg.funnel([("Tổng", "all", 282), ("Đủ điều kiện", "eligible", 117), ("Không", "none", 0)])
    )
    root = _parse(svg.band_gauge(32.5, 30, 36.5))
    assert "32.5 %" in [t.text for t in root.iter(f"{SVG}text")]
    _parse(svg.band_gauge(None, 30, 36.5))


def test_not_applicable_columns_are_grey_and_never_a_score():
    rows, cols = [("01", "Hà Nội (01)")], [("kcb", "KCB"), ("trang_thiet_bi", "TTB")]
    root = _parse(
        svg.heat_map(
            rows,
            cols,
            {("01", "kcb"): 95.0, ("01", "trang_thiet_bi"): 0.0},
            not_applicable=frozenset({"trang_thiet_bi"}),
        )
    )
    fills = [c.get("fill") for c in root.iter(f"{SVG}rect")]
    assert fills == [svg.score_colour(95.0), svg.NOT_APPLICABLE]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert svg.NOT_APPLICABLE_MARK in texts and "0" not in texts


@pytest.mark.parametrize(("low", "start"), [(93.4, 85.0), (99.9, 90.0), (96.0, 90.0), (3.0, 0.0)])
def test_the_axis_starts_a_step_below_the_lowest_score(low, start):
    assert svg.nice_floor(low) == start


def test_dot_rows_put_close_scores_apart_and_name_an_empty_row():
    root = _parse(
        svg.dot_rows(
            [
                ("A", "a", {"x": 97.0, "o": 98.0}),
                ("B", "b", {"x": 98.0, "o": 99.0}),
                ("C", "c", {}),
            ],
            [("x", "X", "#111111"), ("o", "O", "#222222")],
            low=95.0,
            empty_note="nothing received",
        )
    )
    dots = [float(c.get("cx")) for c in root.iter(f"{SVG}circle") if c.get("fill") == "#111111"]
    # The legend swatch, then A and B: 97 and 98 on a 95-100 axis lie a fifth of the plot
    # apart, not a hundredth.
    assert len(dots) == 3 and dots[2] - dots[1] > 0.15 * (1240 - 300 - 70)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "nothing received" in texts and "95" in texts and "100" in texts
