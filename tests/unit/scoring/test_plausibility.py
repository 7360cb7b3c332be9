"""The plausibility checks on small inline series (no warehouse): each check finds what moved,
leaves a steady series alone, gives no verdict on a short history, and never lets the
night under test into its own baseline."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from transforms.scoring import plausibility as pl

T = pl.Thresholds(
    window_nights=28,
    min_history=7,
    z_threshold=3.5,
    volume_floor_pct=5.0,
    value_floor_pct=10.0,
    share_points=10.0,
    pair_window_nights=7,
    pair_min_count=30,
    over_time_pct=33.0,
    over_time_years=1,
    high_factor=2.0,
)
NIGHT = date(2026, 11, 30)  # a Monday


def series(values: list[float], metric: str = "rows", source: str = "p79", n: int = 1000):
    """One row per night, the last value on NIGHT."""
    start = NIGHT - timedelta(days=len(values) - 1)
    return pd.DataFrame(
        {
            "run_date": [start + timedelta(days=i) for i in range(len(values))],
            "source": source,
            "province_code": source.removeprefix("p"),
            "dataset": "visits",
            "metric": metric,
            "value": [float(v) for v in values],
            "n": n,
        }
    )


STEADY = [5000, 5100, 4950, 5020, 4980, 5060, 5010, 4990, 5040, 5000]


def test_volume_drop_is_found_with_its_numbers():
    findings, summary = pl.volume_findings(series([*STEADY, 1210]), NIGHT, T)
    (f,) = findings
    assert f["check"] == "volume" and f["source"] == "p79" and f["value"] == 1210
    assert f["expected"] == pytest.approx(5010, abs=20)
    assert f["low"] < f["expected"] < f["high"] and not f["low"] <= 1210 <= f["high"]
    assert f["score"] > 3.5 and f["severity"] == "high"
    assert f["message_en"].startswith("p79 visits: 1,210 rows against a median of 5,0")
    assert "over 10 nights, z = −" in f["message_en"]
    assert f["message_vi"].startswith("p79 visits: 1.210 dòng so với trung vị 5.0")
    assert summary == [pl._summary(NIGHT, "volume", "visits", 1, 1, 0)]


def test_volume_spike_is_found_and_a_usual_night_is_not():
    assert len(pl.volume_findings(series([*STEADY, 10_000]), NIGHT, T)[0]) == 1
    assert pl.volume_findings(series([*STEADY, 5070]), NIGHT, T)[0] == []


def test_volume_with_too_little_history_gives_no_verdict():
    findings, summary = pl.volume_findings(series([5000] * 6 + [10]), NIGHT, T)
    assert findings == []
    assert summary == [pl._summary(NIGHT, "volume", "visits", 0, 0, 1)]


@pytest.mark.parametrize("check", [pl.volume_findings, pl.value_findings, pl.distribution_findings])
def test_the_first_night_gives_no_verdict(check):
    frame = series([5000], "share:sex=M" if check is pl.distribution_findings else "rows")
    findings, summary = check(
        frame.assign(value=0.5 if check is pl.distribution_findings else 5000), NIGHT, T
    )
    assert findings == [] and summary[0]["checked"] == 0 and summary[0]["no_verdict"] == 1


def test_the_night_under_test_is_not_in_its_baseline():
    # Eight nights of history; were tonight's 0 in the baseline, the median and MAD would
    # move; the expected value is the median of the eight earlier nights exactly.
    hist = [100, 100, 100, 100, 100, 100, 100, 100]
    (f,) = pl.volume_findings(series([*hist, 0]), NIGHT, T)[0]
    assert f["expected"] == 100 and f["history_nights"] == 8
    # A later night is not in it either (a re-run of an old night).
    later = series([*hist, 0, 100_000])
    (g,) = pl.volume_findings(later, NIGHT - timedelta(days=1), T)[0]
    assert g["value"] == 0 and g["expected"] == 100 and g["history_nights"] == 8


def test_volume_is_weekday_aware():
    # Sundays are a third of a usual night everywhere: a Sunday third is not an anomaly,
    # a Monday third is.
    frames = []
    for src in ("p01", "p02", "p79"):
        vals = []
        for i in range(22):
            day = NIGHT - timedelta(days=22 - i)
            vals.append(300 if day.weekday() == 6 else 900 + (i % 3) * 10)
        frames.append(series([*vals, 900], source=src))
    frame = pd.concat(frames)
    sunday = NIGHT - timedelta(days=1)
    until_sunday = frame[pd.to_datetime(frame.run_date).dt.date <= sunday]
    assert until_sunday[pd.to_datetime(until_sunday.run_date).dt.date == sunday].value.max() == 300
    assert pl.volume_findings(until_sunday, sunday, T)[0] == []
    low = frame.copy()
    low.loc[(low.source == "p79") & (pd.to_datetime(low.run_date).dt.date == NIGHT), "value"] = 300
    (f,) = pl.volume_findings(low, NIGHT, T)[0]
    assert f["source"] == "p79" and f["value"] == 300


def test_value_shift_is_found_and_an_integer_median_does_not_flap():
    costs = [410_000, 420_000, 405_000, 415_000, 409_000, 418_000, 412_000, 411_000]
    (f,) = pl.value_findings(series([*costs, 1_250_000], "median:total_cost"), NIGHT, T)[0]
    assert f["check"] == "value" and f["metric"] == "median:total_cost"
    assert "median total_cost 1,250,000 against 411,500 over 8 nights" in f["message_en"]
    # A median that is always 10 and is 11 tonight: within the 10 % floor.
    assert pl.value_findings(series([10] * 8 + [11], "median:quantity"), NIGHT, T)[0] == []
    assert (
        pl.value_findings(series([10] * 3 + [30], "median:quantity"), NIGHT, T)[1][0]["no_verdict"]
        == 1
    )


def test_a_median_between_two_of_few_values_may_land_on_either():
    # Quantities of 20 or 28 (days × a dose): the median sits between the two, its order
    # statistics say so (standard error 4); tonight it lands on 28. Not an anomaly; the
    # same move of a median whose ranks around it all hold 20 is one.
    nights = series([20] * 8 + [28], "median:quantity", n=600)
    assert pl.value_findings(nights.assign(median_se=4.0), NIGHT, T)[0] == []
    assert len(pl.value_findings(nights.assign(median_se=0.0), NIGHT, T)[0]) == 1
    # Tonight's own does not count: a median shifted fourfold has a fourfold error.
    costs = series([400_000] * 8 + [1_600_000], "median:total_cost", n=30)
    se = [100_000.0] * 8 + [400_000.0]
    assert len(pl.value_findings(costs.assign(median_se=se), NIGHT, T)[0]) == 1


def test_a_median_that_flips_between_two_modes_on_usual_nights():
    # Stays in whole days plus hours: a small source's median stay is 6 h on four nights of
    # seven and one or two days on the others (MAD 0; seed 2 of the history). Tonight's
    # 2.62 days is such a night; 10 days is not.
    usual = [0.25, 0.25, 0.25, 1.76, 2.14, 0.25, 1.25]
    stay = "median:length_of_stay_days"
    assert pl.value_findings(series([*usual, 2.62], stay, n=30), NIGHT, T)[0] == []
    assert len(pl.value_findings(series([*usual, 10.0], stay, n=30), NIGHT, T)[0]) == 1


def shares(nights: list[dict[str, float]], n: int = 500) -> pd.DataFrame:
    rows = []
    start = NIGHT - timedelta(days=len(nights) - 1)
    for i, night in enumerate(nights):
        for value, share in night.items():
            rows.append((start + timedelta(days=i), f"share:sex={value}", share))
    frame = pd.DataFrame(rows, columns=["run_date", "metric", "value"])
    return frame.assign(source="p79", province_code="79", dataset="visits", n=n)


def test_distribution_shift_is_found_once_per_column():
    usual = [{"M": 0.48 + i / 1000, "F": 0.52 - i / 1000} for i in range(10)]
    (f,) = pl.distribution_findings(shares([*usual, {"M": 0.80, "F": 0.20}]), NIGHT, T)[0]
    assert f["check"] == "distribution" and f["metric"] in ("share:sex=M", "share:sex=F")
    assert "points" in f["message_en"] and "điểm" in f["message_vi"]
    assert pl.distribution_findings(shares([*usual, {"M": 0.5, "F": 0.5}]), NIGHT, T)[0] == []


def test_a_small_nights_wobble_is_not_a_shift():
    # 20 rows: 0.35 against 0.5 is 15 points but within the binomial noise of 20 rows.
    usual = [{"M": 0.5, "F": 0.5}] * 10
    assert (
        pl.distribution_findings(shares([*usual, {"M": 0.35, "F": 0.65}], n=20), NIGHT, T)[0] == []
    )


def test_a_value_that_appears_from_nowhere_is_a_shift():
    usual = [{"M": 0.5, "F": 0.5}] * 8
    (f,) = pl.distribution_findings(shares([*usual, {"M": 0.3, "F": 0.3, "U": 0.4}]), NIGHT, T)[0]
    assert f["metric"] == "share:sex=U" and f["expected"] == 0


def counts(per_night: dict[str, list[float]], province: str = "79") -> pd.DataFrame:
    rows = []
    for indicator, values in per_night.items():
        start = NIGHT - timedelta(days=len(values) - 1)
        rows += [(start + timedelta(days=i), f"count:{indicator}", v) for i, v in enumerate(values)]
    frame = pd.DataFrame(rows, columns=["run_date", "metric", "value"])
    return frame.assign(source=f"p{province}", province_code=province, dataset="x", n=0)


BCG = pl.Pair("bcg_births", "bcg_dose1", "births", 0.8, 1.2)


def test_indicator_pair_out_of_band_is_found():
    frame = counts({"births": [10] * 7, "bcg_dose1": [10, 10, 10, 2, 2, 2, 2]})
    (f,) = pl.pair_findings(frame, NIGHT, T, [BCG])[0]
    assert f["check"] == "indicator_pair" and f["province_code"] == "79"
    assert f["value"] == pytest.approx(38 / 70) and (f["low"], f["high"]) == (0.8, 1.2)
    assert "bcg_dose1 / births = 38 / 70" in f["message_en"]
    ok = counts({"births": [10] * 7, "bcg_dose1": [9, 11, 10, 10, 9, 10, 11]})
    assert pl.pair_findings(ok, NIGHT, T, [BCG])[0] == []


def test_indicator_pair_with_too_few_events_or_one_side_missing():
    few = counts({"births": [2] * 7, "bcg_dose1": [0] * 7})
    findings, summary = pl.pair_findings(few, NIGHT, T, [BCG])
    assert findings == [] and summary[0]["no_verdict"] == 1
    one_side = counts({"births": [10] * 7})
    findings, summary = pl.pair_findings(one_side, NIGHT, T, [BCG])
    assert findings == [] and summary[0]["checked"] == summary[0]["no_verdict"] == 0


def test_over_time_against_the_same_month_of_last_year():
    totals = pd.DataFrame(
        {
            "year": [2025, 2026, 2025, 2026],
            "province_code": ["79", "79", "01", "01"],
            "dataset": "visits",
            "total": [30_000.0, 15_000.0, 20_000.0, 21_000.0],
        }
    )
    findings, summary = pl.over_time_findings(totals, NIGHT, T)
    (f,) = findings
    assert f["province_code"] == "79" and f["expected"] == 30_000
    assert "(−50.0 %)" in f["message_en"]
    assert summary[0]["checked"] == 2
    first_year = totals[totals.year == 2026]
    findings, summary = pl.over_time_findings(first_year, NIGHT, T)
    assert findings == [] and summary[0]["no_verdict"] == 2


PLACE = ("header_row", "sheet_name", "sheet_index")
PLACE += tuple(f"previous_{k}" for k in PLACE)


def layouts(now: list[str], before: list[str] | None, **place: object) -> pd.DataFrame:
    fp = "|".join
    return pd.DataFrame(
        [
            {
                "source_file": "2026-11-30/p79/visits.csv",
                "source": "p79",
                "dataset": "visits",
                "columns": now,
                "fingerprint": fp(now),
                "previous_source_file": None if before is None else "2026-11-29/p79/visits.csv",
                "previous_columns": before,
                "previous_fingerprint": None if before is None else fp(before),
                **dict.fromkeys(PLACE),
                **place,
            }
        ]
    )


@pytest.mark.parametrize(
    ("now", "before", "changes"),
    [
        (["a", "b", "c"], ["a", "b", "c"], []),
        (["a", "b", "c"], None, []),
        (["a", "b", "c", "d"], ["a", "b", "c"], ["column_added"]),
        (["a", "c"], ["a", "b", "c"], ["column_missing"]),
        (["a", "x", "c"], ["a", "b", "c"], ["column_renamed"]),
        (["a", "c", "b"], ["a", "b", "c"], ["columns_moved"]),
    ],
)
def test_schema_drift(now, before, changes):
    out = pl.schema_changes(layouts(now, before), "run-1", NIGHT)
    assert [c["change"] for c in out] == changes
    for c in out:
        assert " | " in c["detail"] and c["previous_source_file"].startswith("2026-11-29")


SHEET = {"header_row": 1, "sheet_name": "Data", "sheet_index": 0}
WAS = {f"previous_{k}": v for k, v in SHEET.items()}


@pytest.mark.parametrize(
    ("place", "changes", "words"),
    [
        ({**SHEET, **WAS}, [], ""),
        ({**SHEET, **WAS, "header_row": 4}, ["header_moved"], "from row 1 to row 4"),
        ({**SHEET, **WAS, "sheet_name": "Số liệu"}, ["sheet_changed"], "“Data” (position 1)"),
        ({**SHEET, **WAS, "sheet_index": 2}, ["sheet_changed"], "(position 3)"),
        # A CSV (no sheet) against a workbook, or a JSON file (no header row): not judged.
        ({**WAS, "header_row": 1, "sheet_name": None, "sheet_index": None}, [], ""),
        ({**WAS, "header_row": None, "sheet_name": None, "sheet_index": None}, [], ""),
    ],
)
def test_layout_drift(place, changes, words):
    frame = layouts(["a", "b"], ["a", "b"])
    for k, v in place.items():
        frame[k] = [v]
    out = pl.schema_changes(frame, "run-1", NIGHT)
    assert [c["change"] for c in out] == changes
    for c in out:
        vi, en = c["detail"].split(" | ")
        assert words in en and vi != en


def test_the_shipped_configuration_loads(tmp_path):
    config = pl.load_config()
    assert "bcg_births" in config.pairs and config.values["visits"] == ("total_cost",)
    bad = tmp_path / "bad.toml"
    bad.write_text('[values]\nvisits = ["no_such_column"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no_such_column"):
        pl.load_config(bad)
