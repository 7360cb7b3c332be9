"""procedures: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_population import procedure_row
from validations.registry import DATASETS

DATASET = "procedures"
BROKEN = [
    ("procedures.procedure_code.required", {"procedure_code": ""}),
    ("procedures.procedure_code.format", {"procedure_code": "4.12345"}),
    ("procedures.procedure_name.required", {"procedure_name": ""}),
    ("procedures.field.required", {"field": ""}),
    ("procedures.level.required", {"level": ""}),
    ("procedures.level.allowed", {"level": "district"}),
    ("procedures.decentralized.required", {"decentralized": ""}),
    ("procedures.decentralized.format", {"decentralized": "có lẽ"}),
    ("procedures.decentralized.matches_level", {"level": "central"}),
    ("procedures.decentralized.matches_level", {"decentralized": "false"}),
    ("procedures.portal_eligible.required", {"portal_eligible": ""}),
    ("procedures.portal_eligible.format", {"portal_eligible": "?"}),
    ("procedures.online_level.required", {"online_level": ""}),
    ("procedures.online_level.allowed", {"online_level": "level4"}),
    ("procedures.portal_integrated.required", {"portal_integrated": ""}),
    ("procedures.portal_integrated.format", {"portal_integrated": "maybe"}),
    ("procedures.portal_integrated.only_when_eligible", {"portal_eligible": "false"}),
    ("procedures.integrated_on.format", {"integrated_on": "32/13/2025"}),
    ("procedures.integrated_on.required_when_integrated", {"integrated_on": ""}),
    ("procedures.standardized.format", {"standardized": "chưa rõ"}),
    ("procedures.baseline_cost.format", {"baseline_cost": "một tỷ"}),
    ("procedures.current_cost.format", {"current_cost": "một tỷ"}),
    ("procedures.costs.non_negative", {"current_cost": "-1000"}),
    ("procedures.updated_at.required", {"updated_at": ""}),
    ("procedures.updated_at.format", {"updated_at": "hôm nay"}),
    ("procedures.updated_at.fresh", {"updated_at": "2026-09-01 09:00"}),
    ("procedures.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}),
]
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_valid_row_passes_every_rule(ctx_for, ref):
    assert failures(DATASET, [procedure_row()], ctx_for("moh"), ref) == [set()]


@pytest.mark.parametrize(
    ("rule_id", "overrides"), BROKEN, ids=[f"{b[0]}:{i}" for i, b in enumerate(BROKEN)]
)
def test_a_broken_row_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures(DATASET, [procedure_row(**overrides)], ctx_for("moh"), ref)
    assert rule_id in found


def test_every_row_rule_is_exercised():
    row_rules = {r.id for r in DATASETS[DATASET].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} - NOT_ALONE == set()


def test_a_central_procedure_not_eligible_passes(ctx_for, ref):
    row = procedure_row(
        level="trung ương",
        decentralized="không",
        portal_eligible="0",
        portal_integrated="0",
        integrated_on="",
        standardized="false",
        online_level="một phần",
    )
    assert failures(DATASET, [row], ctx_for("moh"), ref) == [set()]
