"""Each health_checks row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_registry import health_check_row
from validations.registry import DATASETS

BROKEN = [
    ("health_checks.check_id.required", {"check_id": ""}),
    ("health_checks.person_id.required", {"person_id": ""}),
    ("health_checks.person_id.structure", {"person_id": "AB1234567"}),
    ("health_checks.person_id.not_junk", {"person_id": "000000000000"}),
    ("health_checks.check_type.required", {"check_type": ""}),
    ("health_checks.check_type.allowed", {"check_type": "sport"}),
    ("health_checks.checked_on.required", {"checked_on": ""}),
    ("health_checks.checked_on.format", {"checked_on": "20/11"}),
    ("health_checks.facility_code.required", {"facility_code": ""}),
    ("health_checks.conclusion.required", {"conclusion": ""}),
    ("health_checks.conclusion.allowed", {"conclusion": "ok"}),
    ("health_checks.valid_until.format", {"valid_until": "1 năm"}),
    ("health_checks.valid_until.after_check", {"valid_until": "2026-11-19"}),
    ("health_checks.province_code.required", {"province_code": ""}),
    ("health_checks.province_code.valid", {"province_code": "00"}),
    ("health_checks.updated_at.required", {"updated_at": ""}),
    ("health_checks.updated_at.format", {"updated_at": "??"}),
    ("health_checks.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("health_checks.updated_at.not_future", {"updated_at": "2027-11-24 09:00"}),
]


def test_a_valid_health_check_passes(ctx_for, ref):
    assert failures("health_checks", [health_check_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(("rule_id", "overrides"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_health_check_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures("health_checks", [health_check_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_of_health_checks_is_exercised():
    row_rules = {r.id for r in DATASETS["health_checks"].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} == set()


def test_vietnamese_values_and_same_day_expiry_pass(ctx_for, ref):
    row = health_check_row(
        check_type="Khám lái xe",
        conclusion="Đủ sức khỏe",
        checked_on="20/11/2026",
        valid_until="20/11/2026",
    )
    assert failures("health_checks", [row], ctx_for("province"), ref) == [set()]


def test_valid_until_is_optional(ctx_for, ref):
    row = health_check_row(valid_until="")
    assert failures("health_checks", [row], ctx_for("province"), ref) == [set()]
