"""food_establishments: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_population import food_establishment_row
from validations.registry import DATASETS

DATASET = "food_establishments"
BROKEN = [
    ("food_establishments.establishment_id.required", {"establishment_id": ""}),
    ("food_establishments.name.required", {"name": " "}),
    ("food_establishments.business_type.required", {"business_type": ""}),
    ("food_establishments.business_type.allowed", {"business_type": "spa"}),
    ("food_establishments.province_code.required", {"province_code": ""}),
    ("food_establishments.province_code.valid", {"province_code": "99"}),
    ("food_establishments.commune_code.required", {"commune_code": ""}),
    ("food_establishments.commune_code.in_province", {"commune_code": "26734"}),
    ("food_establishments.certificate_no.required_unless_street_food", {"certificate_no": ""}),
    (
        "food_establishments.certificate_valid_until.format",
        {"certificate_valid_until": "31/02/2027"},
    ),
    (
        "food_establishments.certificate_valid_until.expired",
        {"certificate_valid_until": "2026-11-23"},
    ),
    ("food_establishments.last_inspected_on.format", {"last_inspected_on": "hôm qua"}),
    ("food_establishments.last_inspected_on.not_future", {"last_inspected_on": "2027-01-05"}),
    ("food_establishments.inspection_result.allowed", {"inspection_result": "ok"}),
    ("food_establishments.updated_at.required", {"updated_at": ""}),
    ("food_establishments.updated_at.format", {"updated_at": "32/13/2026 25:00"}),
    ("food_establishments.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("food_establishments.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}),
]
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_valid_row_passes_every_rule(ctx_for, ref):
    assert failures(DATASET, [food_establishment_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(
    ("rule_id", "overrides"), BROKEN, ids=[f"{b[0]}:{i}" for i, b in enumerate(BROKEN)]
)
def test_a_broken_row_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures(DATASET, [food_establishment_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_is_exercised():
    row_rules = {r.id for r in DATASETS[DATASET].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} - NOT_ALONE == set()


def test_street_food_needs_no_certificate(ctx_for, ref):
    row = food_establishment_row(
        business_type="thức ăn đường phố", certificate_no="", certificate_valid_until=""
    )
    assert failures(DATASET, [row], ctx_for("province"), ref) == [set()]
