"""The targets file: the committed one loads, and a wrong one says what is wrong."""

from __future__ import annotations

from datetime import date

import pytest

from flows.settings import Settings
from transforms.scoring.trends import load_targets

SCORING = Settings().scoring()

HEADER = "metric,subject,green,amber,target,target_high,deadline,description_vi,description_en\n"


def test_the_committed_targets_load():
    t = load_targets(SCORING)
    overall = t[(t.metric == "overall_pct") & (t.subject == "*")].iloc[0]
    assert (overall.green, overall.amber) == (90.0, 75.0)
    cost = t[t.metric == "cost_reduction_pct"].iloc[0]
    assert (cost.target, cost.target_high) == (30.0, 36.5)
    assert cost.deadline == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("overall_pct,*,70,75,90,,,a,b\n", "amber threshold above green"),
        ("overall_pct,*,90,75,90,20,,a,b\n", "target_high below target"),
        ("overall_pct,*,ninety,75,90,,,a,b\n", "line 2"),
        ("overall_pct,*,90,75,90,,31/12/2026,a,b\n", "line 2"),
    ],
)
def test_a_wrong_targets_file_is_refused(tmp_path, line, message):
    path = tmp_path / "targets.csv"
    path.write_text(HEADER + line, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_targets(SCORING, path)


def test_duplicate_and_missing_columns_are_refused(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(HEADER + "overall_pct,*,90,75,90,,,a,b\n" * 2, encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_targets(SCORING, path)
    path.write_text("metric,subject\noverall_pct,*\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing columns"):
        load_targets(SCORING, path)


def test_the_cells_the_settings_own_come_from_them():
    """The overall score's thresholds rate the scorecards too, and the cost band is a
    setting: the targets file leaves them empty and the run's settings fill them in."""
    scoring = Settings(rating_green=80, rating_amber=60, cost_target_high_pct=40).scoring()
    t = load_targets(scoring)
    overall = t[(t.metric == "overall_pct") & (t.subject == "*")].iloc[0]
    assert (overall.green, overall.amber) == (80.0, 60.0)
    cost = t[t.metric == "cost_reduction_pct"].iloc[0]
    assert (cost.target, cost.target_high) == (30.0, 40.0)


def test_an_empty_cell_the_settings_do_not_own_is_refused(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(HEADER + "full_online_pct,tthc,,60,80,,,a,b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: green empty"):
        load_targets(SCORING, path)
