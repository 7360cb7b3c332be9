"""procedure_status: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_population import procedure_status_row
from validations.registry import DATASETS

DATASET = "procedure_status"
BROKEN = [
    ("procedure_status.province_code.required", {"province_code": ""}),
    ("procedure_status.province_code.valid", {"province_code": "99"}),
    ("procedure_status.procedure_code.required", {"procedure_code": ""}),
    ("procedure_status.implemented.required", {"implemented": ""}),
    ("procedure_status.implemented.format", {"implemented": "có lẽ"}),
    ("procedure_status.online_level.required", {"online_level": ""}),
    ("procedure_status.online_level.allowed", {"online_level": "level3"}),
    ("procedure_status.portal_connected.required", {"portal_connected": ""}),
    ("procedure_status.portal_connected.format", {"portal_connected": "?"}),
    ("procedure_status.files_received.format", {"files_received": "nhiều"}),
    ("procedure_status.files_received.non_negative", {"files_received": "-5", "files_online": ""}),
    ("procedure_status.files_online.format", {"files_online": "1,5"}),
    ("procedure_status.files_online.within_received", {"files_online": "1.201"}),
    ("procedure_status.files_online.within_received", {"files_online": "-1"}),
    ("procedure_status.updated_at.required", {"updated_at": ""}),
    ("procedure_status.updated_at.format", {"updated_at": "hôm nay"}),
    ("procedure_status.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("procedure_status.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}),
]
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_valid_row_passes_every_rule(ctx_for, ref):
    assert failures(DATASET, [procedure_status_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(
    ("rule_id", "overrides"), BROKEN, ids=[f"{b[0]}:{i}" for i, b in enumerate(BROKEN)]
)
def test_a_broken_row_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures(DATASET, [procedure_status_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_is_exercised():
    row_rules = {r.id for r in DATASETS[DATASET].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} - NOT_ALONE == set()
