"""The ministry registries (practitioners, drugs, herbal products, medical devices) and the
exports that reference them (prescriptions, workforce, health checks): the default
generator plants every kind of defect they know, a real night fails every one of their
rules (including those that read another dataset), and it catches each planted row without
touching a clean one."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from sample.generate import (
    drugs,
    health_checks,
    herbal_products,
    medical_devices,
    practitioners,
    prescriptions,
    workforce,
)
from sample.generate.base import World
from sample.generate.night import NightSpec, generate, generators
from sample.truth import score
from tests.conftest import RUN_DATE
from transforms.reference import load
from validations.registry import DATASETS

GENERATORS = (
    practitioners,
    drugs,
    herbal_products,
    medical_devices,
    prescriptions,
    workforce,
    health_checks,
)
MINE = tuple(g.DATASET for g in GENERATORS)
SPEC = NightSpec(run_date=RUN_DATE)  # the default size (scale 1) and seed

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("registry_landing")
    generate(root, SPEC, load())
    return root


def _planted(landing: Path) -> list[dict]:
    """The truth rows of these datasets."""
    path = landing / "_truth" / RUN_DATE.isoformat() / "defects.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["dataset"] in MINE]


def _catalogues() -> dict[str, list[str]]:
    """Every defect kind each generator knows, given the facts of the night it runs in."""
    w = World(spec=SPEC, ref=load(), rng=random.Random(SPEC.seed))
    for generator in generators():
        generator.generate(w)
    return {g.DATASET: [d.kind for d in g.defects(w)] for g in GENERATORS}


def test_every_defect_kind_is_planted_at_the_default_size(landing):
    planted = Counter((row["dataset"], row["kind"]) for row in _planted(landing))
    unplanted = [
        (ds, kind)
        for ds, kinds in _catalogues().items()
        for kind in kinds
        if not planted[(ds, kind)]
    ]
    assert unplanted == []


def test_a_real_night_fails_every_rule_and_catches_every_planted_row(landing, night):
    summary, warehouse, restricted = night(landing, RUN_DATE, datasets=["facilities", *MINE])
    assert summary["status"] == "succeeded"

    with duckdb.connect(str(warehouse), read_only=True) as con:
        failed = dict(
            con.execute(
                "SELECT rule_id, sum(rows_failed) FROM dq.rule_results GROUP BY rule_id"
            ).fetchall()
        )
    rules = [r.id for ds in MINE for r in DATASETS[ds].rules]
    assert [rule_id for rule_id in rules if not failed.get(rule_id)] == []

    # Only facilities and these datasets ran, so every quarantined or flagged row is theirs.
    result = score(landing, RUN_DATE, warehouse, restricted)
    mine = {row["source_file"] for row in _planted(landing)}
    assert [m for m in result.misses if m[0] in mine] == []
    assert result.clean_rows_touched == 0, result.false_alarms
    assert result.accounting_broken == []
    assert sum(1 for row in _planted(landing) if row["severity"] == "error") > 200
