"""The column-at-a-time draws of the provincial datasets (`sample.generate.columns`): people
whose ids agree with their birth dates and sex, in the ranges asked, the dead's ids apart
from the living's; stamps in the freshness window; rows made part by part in order."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from sample.generate import people
from sample.generate.base import NightSpec, Output, World, taken_columns
from sample.generate.columns import Columns, as_days, years_after
from transforms.reference import load

RUN_DATE = date(2026, 11, 24)
N = 2_000


@pytest.fixture(scope="module")
def world() -> World:
    return World(NightSpec(run_date=RUN_DATE), load(), random.Random(0))


def _columns(w: World, prov: str | None = None) -> Columns:
    w.start("test", prov or w.provinces[0])
    return Columns(w, "test", prov or w.provinces[0])


def _agrees(pid: str, born: date, female: bool) -> bool:
    century = (born.year - 1900) // 100
    return pid[3:6] == f"{century * 2 + female}{born.year % 100:02d}"


@pytest.mark.parametrize("dead", [False, True])
def test_people_ids_agree_with_birth_and_sex_and_keep_the_dead_apart(world, dead):
    c = _columns(world)
    prov = world.provinces[0]
    ids, born_days, female = c.people(N, (0, 100), dead=dead)
    born = born_days.tolist()
    registrations = set(world.old_by_new.get(prov) or [prov])
    assert all(len(pid) == 12 and pid.isdigit() for pid in ids)
    assert all(_agrees(p, b, f) for p, b, f in zip(ids, born, female.tolist(), strict=True))
    assert {pid[1:3] for pid in ids} <= registrations
    assert all(people.is_dead_id(pid) == dead for pid in ids)
    # Both sexes and both centuries, as `people.cccd` makes them.
    assert {pid[3] for pid in ids} == {"0", "1", "2", "3"}


def test_people_are_aged_as_asked_on_their_own_days(world):
    c = _columns(world)
    on = c.days_before(1, 60, N)
    low = np.where(np.arange(N) % 2 == 0, 82, 2)
    high = np.where(np.arange(N) % 2 == 0, 100, 15)
    _, born_days, _ = c.people(N, (low, high), on=on)
    born = born_days.tolist()
    for b, day, lo, hi in zip(born, on.tolist(), low.tolist(), high.tolist(), strict=True):
        assert lo * 365 < (day - b).days <= hi * 365


def test_a_share_of_people_registered_in_the_province_itself(world):
    prov = max(world.provinces, key=lambda p: len(world.old_by_new.get(p, [])))
    olds = world.old_by_new[prov]
    ids, _, _ = _columns(world, prov).people(N, (19, 62), old_codes=0.8)
    own = sum(pid[1:3] == prov for pid in ids) / N
    expected = 0.2 + 0.8 * (prov in olds) / len(olds)
    assert abs(own - expected) < 0.04


def test_stamps_are_fresh_and_times_fall_on_their_days(world):
    c = _columns(world)
    start, minutes = world.fresh_window()
    stamps = c.fresh_stamps(N)
    assert all(start <= s < start + timedelta(minutes=minutes) for s in stamps)
    days = c.days_before(0, 30, N)
    times = c.times_on(days, (0, 20), (0, 15, 30, 45))
    for t, day in zip(times, days.tolist(), strict=True):
        assert isinstance(t, datetime) and t.date() == day
        assert t.hour <= 20 and t.minute in (0, 15, 30, 45)


def test_weighted_picks_keep_their_shares(world):
    picked = _columns(world).pick(["facility", "home", "other"], 20_000, [17, 2, 1])
    assert abs(picked.count("facility") / 20_000 - 0.85) < 0.02
    assert abs(picked.count("other") / 20_000 - 0.05) < 0.01


def test_an_output_held_as_columns_gives_its_rows_as_dicts_on_demand():
    """A part's rows stay columns to be written; code that wants dicts (a history's
    `adjust`) reads `rows`, which replace the columns, and the count survives `release`."""
    o = Output(
        "p01/x.csv",
        "loaded",
        "x",
        header=["seq", "twice"],
        columns={"seq": [0, 1, 2], "twice": [0, 2, 4]},
    )
    assert o.n_rows() == 3 and o.columns is not None
    assert taken_columns(o) == {"seq": [0, 1, 2], "twice": [0, 2, 4]}
    assert o.rows[1] == {"seq": 1, "twice": 2}
    assert o.columns is None
    o.rows.append({"seq": 3})
    assert taken_columns(o) == {"seq": [0, 1, 2, 3], "twice": [0, 2, 4, None]}
    o.release()
    assert o.rows == [] and o.n_rows() == 4


@pytest.mark.parametrize("years", [15, 18, 22, 60])
def test_years_after_a_column_of_days_is_peoples_years_after_each(years):
    days = [date(1940, 1, 1) + timedelta(days=k) for k in range(0, 30_000, 5)]
    days += [date(2000, 2, 29), date(1996, 2, 29), date(1999, 12, 31)]
    as_array = as_days(days)
    assert as_array.tolist() == days
    expected = [people.years_after(d, years) for d in days]
    assert years_after(as_array, years).tolist() == expected
