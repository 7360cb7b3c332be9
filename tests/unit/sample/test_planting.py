"""Planting a part held as columns (`base.plant_columns`): as many errors and warnings as
`plant` plants with the same counter, one defect a broken row, the kinds in their cycle, a
duplicate copying the nearest earlier clean row, a share of the clean rows noted, and the
other rows left as they were drawn."""

from __future__ import annotations

import random
from datetime import date

from sample.generate.base import (
    Defect,
    NightSpec,
    UnitCounter,
    as_rows,
    plant,
    plant_columns,
    setter,
)

SPEC = NightSpec(run_date=date(2026, 11, 24), error_rate=0.05, warning_rate=0.03, note_rate=0.03)
N = 4_000


def _catalogue() -> list[Defect]:
    def duplicate(row, rng, ctx):
        row.update(ctx["previous"])

    return [
        Defect("t", "duplicate_key", "unique", "error", duplicate),
        Defect("t", "negative", "accurate", "error", setter("amount", -1)),
        # Applies to even ids only: an odd row gives its turn to the next kind.
        Defect(
            "t", "even_only", "accurate", "error", setter("code", "E"), lambda r: r["id"] % 2 == 0
        ),
        Defect("t", "stale", "fresh", "warning", setter("code", "W")),
        Defect("t", "code.old", "clean", "note", setter("code", "N")),
    ]


def _columns() -> dict[str, list]:
    return {"id": list(range(N)), "amount": [10] * N, "code": ["c"] * N}


def test_columns_are_planted_as_rows_are():
    columns = _columns()
    counter = UnitCounter(123, SPEC)
    planted = plant_columns(columns, _catalogue(), SPEC, random.Random(1), counter, {})
    rows = as_rows(_columns())
    by_rows = plant(rows, _catalogue(), SPEC, random.Random(1), UnitCounter(123, SPEC), {})

    def severities(p: list) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, d in p:
            out[d.severity] = out.get(d.severity, 0) + 1
        return out

    mine, theirs = severities(planted), severities(by_rows)
    assert (mine["error"], mine["warning"]) == (theirs["error"], theirs["warning"])
    assert abs(mine["note"] - theirs["note"]) < 60  # each ~3 % of ~3,700 clean rows
    assert counter.position == 123 + N
    rows_planted = [i for i, _ in planted]
    assert rows_planted == sorted(set(rows_planted)) and 0 not in rows_planted
    kinds = {d.kind for _, d in planted}
    assert kinds == {"duplicate_key", "negative", "even_only", "stale", "code.old"}
    broken = {i for i, d in planted if d.severity != "note"}
    touched = {i: d for i, d in planted}
    for i in range(N):
        d = touched.get(i)
        row = {k: columns[k][i] for k in columns}
        if d is None:
            assert row == {"id": i, "amount": 10, "code": "c"}
        elif d.kind == "duplicate_key":  # the nearest earlier clean (maybe noted) row
            j = max(k for k in range(i) if k not in broken)
            assert row == {k: columns[k][j] for k in columns}
        elif d.kind == "negative":
            assert row == {"id": i, "amount": -1, "code": "c"}
        elif d.kind == "even_only":
            assert i % 2 == 0 and row["code"] == "E"
        else:
            assert row["code"] == ("W" if d.kind == "stale" else "N")


def test_a_defects_own_column_is_none_in_the_other_rows():
    columns = {"id": list(range(50)), "code": ["c"] * 50}
    spec = NightSpec(run_date=SPEC.run_date, error_rate=0.2, warning_rate=0.0, note_rate=0.0)
    extra = Defect("t", "extra", "accurate", "error", setter("remark", "x"))
    planted = plant_columns(columns, [extra], spec, random.Random(0), UnitCounter(0, spec), {})
    assert len(planted) == 10
    assert [i for i, v in enumerate(columns["remark"]) if v == "x"] == [i for i, _ in planted]
    assert columns["remark"].count(None) == 40
