"""The generator's ground truth holds over history (issue 14 item 7): three consecutive
nights generated into one landing root and run in turn into one warehouse each score every
planted error and warning with no clean row touched, though the registries re-send the same
keys every night and the warehouse holds the nights before (a night is scored by its own
files; a warning is planted only where the row stays the newest version of its key)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sample.generate.night import NightSpec, generate
from sample.truth import score
from tests.conftest import RUN_DATE
from tests.integration.conftest import run_night
from transforms.reference import load

NIGHTS = [RUN_DATE + timedelta(days=i) for i in range(3)]


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    landing, warehouse = root / "landing", root / "wh" / "warehouse.duckdb"
    # Another seed each night: the registries re-send the same keys with other stamps and
    # other defects, some older than what the warehouse holds from the night before.
    for i, night in enumerate(NIGHTS):
        generate(landing, NightSpec(run_date=night, scale=0.2, seed=3 + i), load())
    out = []
    for night in NIGHTS:
        summary = run_night(landing, night, warehouse)
        assert summary["status"] == "succeeded"
        out.append(score(landing, night, warehouse, warehouse.with_name("restricted.duckdb")))
    return out


@pytest.mark.parametrize("night", range(len(NIGHTS)), ids=[d.isoformat() for d in NIGHTS])
def test_every_night_matches_its_own_truth(scores, night):
    result = scores[night]
    assert result.planted_errors > 20 and result.planted_warnings > 10
    assert result.error_recall == 1.0, result.misses[:10]
    assert result.warning_recall == 1.0, result.misses[:10]
    assert result.clean_rows_touched == 0, result.false_alarms[:10]
    assert result.old_communes_mapped == result.old_communes
    assert result.files_as_expected == result.files_expected
    assert result.accounting_broken == []
