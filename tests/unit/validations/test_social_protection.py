"""social_protection: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_population import social_protection_row
from validations.registry import DATASETS

DATASET = "social_protection"
BROKEN = [
    ("social_protection.beneficiary_id.required", {"beneficiary_id": ""}),
    ("social_protection.person_id.required", {"person_id": ""}),
    ("social_protection.person_id.structure", {"person_id": "0011"}),
    ("social_protection.person_id.not_junk", {"person_id": "222222222222"}),
    ("social_protection.birth_date.required", {"birth_date": ""}),
    ("social_protection.birth_date.format", {"birth_date": "32/13/1945"}),
    ("social_protection.birth_date.matches_id", {"birth_date": "1943-04-30"}),
    ("social_protection.category.required", {"category": ""}),
    ("social_protection.category.allowed", {"category": "veteran"}),
    (
        "social_protection.category.elderly_age",
        {"person_id": "001160012345", "birth_date": "1960-01-01"},
    ),
    ("social_protection.benefit_start.required", {"benefit_start": ""}),
    ("social_protection.benefit_start.format", {"benefit_start": "32/13/2024"}),
    ("social_protection.benefit_end.format", {"benefit_end": "mãi mãi"}),
    ("social_protection.benefit_end.after_start", {"benefit_end": "2023-12-31"}),
    ("social_protection.monthly_amount.required", {"monthly_amount": ""}),
    ("social_protection.monthly_amount.format", {"monthly_amount": "năm trăm nghìn"}),
    ("social_protection.monthly_amount.positive", {"monthly_amount": "0"}),
    ("social_protection.province_code.required", {"province_code": ""}),
    ("social_protection.province_code.valid", {"province_code": "99"}),
    ("social_protection.commune_code.required", {"commune_code": ""}),
    ("social_protection.commune_code.in_province", {"commune_code": "26734"}),
    ("social_protection.updated_at.required", {"updated_at": ""}),
    ("social_protection.updated_at.format", {"updated_at": "hôm nay"}),
    ("social_protection.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("social_protection.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}),
]
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_valid_row_passes_every_rule(ctx_for, ref):
    assert failures(DATASET, [social_protection_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(
    ("rule_id", "overrides"), BROKEN, ids=[f"{b[0]}:{i}" for i, b in enumerate(BROKEN)]
)
def test_a_broken_row_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures(DATASET, [social_protection_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_is_exercised():
    row_rules = {r.id for r in DATASETS[DATASET].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} - NOT_ALONE == set()


def test_the_elderly_age_is_configurable(ref):
    from dataclasses import replace

    from tests.conftest import RUN_DATE, rule_settings
    from transforms.ingest.context import make_context

    row = social_protection_row(person_id="001150012345", birth_date="1950-01-01")  # 73
    ctx = make_context(RUN_DATE, "province", ref, rule_settings())
    assert failures(DATASET, [row], ctx, ref) == [{"social_protection.category.elderly_age"}]
    younger = replace(ctx, elderly_age=70)
    assert failures(DATASET, [row], younger, ref) == [set()]
    ctx70 = make_context(RUN_DATE, "province", ref, rule_settings(elderly_age=70))
    assert ctx70.elderly_age == 70 and failures(DATASET, [row], ctx70, ref) == [set()]


def test_other_categories_have_no_age_rule(ctx_for, ref):
    row = social_protection_row(
        person_id="001190012345", birth_date="1990-01-01", category="người khuyết tật"
    )
    assert failures(DATASET, [row], ctx_for("province"), ref) == [set()]
