"""The series a planted anomaly moves as a consequence (the truth's role `moved`): what the
scorer counts as explained by a plant rather than false."""

from __future__ import annotations

from datetime import date, timedelta

from sample.generate.history import Anomaly, moves, plan

DAYS = [date(2026, 11, 24) + timedelta(days=i) for i in range(8)]  # November 24 to December 1


def _moved(anomaly: Anomaly) -> set[tuple[date, str, str]]:
    return {(m.run_date, m.check, m.dataset) for m in moves([anomaly], DAYS)}


def test_a_volume_spike_moves_its_sources_other_checks_totals_and_pairs():
    spike = Anomaly(DAYS[-3], "volume", "volume_spike", 2, "visits", "rows")
    moved = _moved(spike)
    assert (DAYS[-3], "volume", "visits") not in moved  # the plant itself: required
    assert {(DAYS[-3], "distribution", "visits"), (DAYS[-3], "value", "visits")} <= moved
    # the lines of a claims package delivered with the visits, that night
    assert (DAYS[-3], "volume", "visit_drugs") in moved
    # the month-to-date total from that night to the month's end (November 30), not after
    assert (DAYS[-3], "over_time", "visits") in moved
    assert (DAYS[-2], "over_time", "visits") in moved
    assert (DAYS[-1], "over_time", "visits") not in moved  # December 1: another month
    # the pair that counts visits ending in death, over its window
    assert (DAYS[-1], "indicator_pair", "facility_deaths_visits") in moved
    assert not any(m[0] < DAYS[-3] for m in moved)


def test_a_value_shift_moves_no_total_and_a_schema_change_only_the_next_delivery():
    shift = Anomaly(DAYS[-1], "value", "value_shift", 7, "visits", "median:total_cost")
    assert not any(check == "over_time" for _, check, _ in _moved(shift))
    assert _moved(Anomaly(DAYS[-1], "schema", "column_added", 8, "births", "columns")) == set()
    # Earlier in the history: the next night's delivery, back to the usual layout, is a
    # change against the planted one.
    moved = _moved(Anomaly(DAYS[-3], "schema", "header_moved", 4, "births", "header_row"))
    assert moved == {(DAYS[-2], "schema", "births")}


def test_a_broken_pair_moves_its_dataset_not_the_other_pairs():
    moved = set()
    for a in plan(DAYS):
        if a.kind == "pair_broken":
            moved |= _moved(a)
    assert moved
    assert {ds for _, check, ds in moved if check != "indicator_pair"} == {"immunizations"}
    assert not any(check == "indicator_pair" for _, check, _ in moved)
