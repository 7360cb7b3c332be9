"""The series a planted anomaly moves as a consequence (the truth's role `moved`): what the
scorer counts as explained by a plant rather than false."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sample.generate.base import Defect, NightSpec, Output, World
from sample.generate.history import Anomaly, align_indicators, moves, plan
from transforms.reference import load

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


def test_a_birth_dose_without_a_clean_row_is_copied_from_the_other():
    """A small night whose only HEPB dose-1 row has a planted error: BCG's clean rows are
    copied as HEPB, so that the clean history keeps HEPB about as many as births."""
    w = World(NightSpec(DAYS[0]), load(), random.Random(0))
    prov = w.provinces[0]
    births = Output(
        f"{DAYS[0]}/p{prov}/births.csv",
        "loaded",
        "clean",
        ["certificate_no"],
        [{"certificate_no": str(n)} for n in range(3)],
    )
    header = ["record_id", "vaccine_code", "dose_number"]
    rows = [{"record_id": "a", "vaccine_code": "BCG", "dose_number": 1}]
    rows += [{"record_id": "b", "vaccine_code": "HEPB", "dose_number": 1}]
    error = Defect("immunizations", "x", "sufficient", "error", lambda *_: None)
    shots = Output(f"{DAYS[0]}/p{prov}/immunizations.csv", "loaded", "clean", header, rows)
    shots.planted = [(1, error)]
    align_indicators(w, [births, shots])
    clean = [r for i, r in enumerate(shots.rows) if i != 1]
    for vaccine in ("BCG", "HEPB"):
        assert sum(r["vaccine_code"] == vaccine for r in clean) == 3
    assert len({r["record_id"] for r in shots.rows}) == len(shots.rows)
