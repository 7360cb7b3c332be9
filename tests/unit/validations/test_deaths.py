"""deaths: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_population import death_row
from validations.registry import DATASETS

DATASET = "deaths"
BROKEN = [
    ("deaths.notice_no.required", {"notice_no": ""}),
    ("deaths.person_id.required", {"person_id": ""}),
    ("deaths.person_id.structure", {"person_id": "12345"}),
    ("deaths.person_id.not_junk", {"person_id": "000000000000"}),
    ("deaths.birth_date.required", {"birth_date": ""}),
    ("deaths.birth_date.format", {"birth_date": "32/13/1940"}),
    ("deaths.birth_date.matches_id", {"birth_date": "1937-02-01"}),
    ("deaths.died_at.required", {"died_at": ""}),
    ("deaths.died_at.format", {"died_at": "hôm qua"}),
    ("deaths.died_at.after_birth", {"died_at": "1940-01-01 08:00"}),
    ("deaths.died_at.not_future", {"died_at": "2026-12-30 08:00"}),
    ("deaths.cause_icd10.format", {"cause_icd10": "J189X"}),
    ("deaths.place.required", {"place": ""}),
    ("deaths.place.allowed", {"place": "street"}),
    ("deaths.facility_code.required_at_facility", {"facility_code": ""}),
    ("deaths.province_code.required", {"province_code": ""}),
    ("deaths.province_code.valid", {"province_code": "99"}),
    ("deaths.commune_code.required", {"commune_code": ""}),
    ("deaths.commune_code.in_province", {"commune_code": "26734"}),
    ("deaths.updated_at.required", {"updated_at": ""}),
    ("deaths.updated_at.format", {"updated_at": "hôm nay"}),
    ("deaths.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("deaths.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}),
]
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_valid_row_passes_every_rule(ctx_for, ref):
    assert failures(DATASET, [death_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(
    ("rule_id", "overrides"), BROKEN, ids=[f"{b[0]}:{i}" for i, b in enumerate(BROKEN)]
)
def test_a_broken_row_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures(DATASET, [death_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_is_exercised():
    row_rules = {r.id for r in DATASETS[DATASET].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} - NOT_ALONE == set()


@pytest.mark.parametrize(
    ("sql", "column"),
    [
        ("social_protection.dead_beneficiary", "s.person_id"),
        ("visits.after_death", "s.patient_id"),
    ],
)
def test_rules_against_deaths_compare_pseudonyms_as_the_warehouse_makes_them(sql, column):
    from transforms import sqlfiles
    from transforms.warehouse.schema import pseudonym_sql

    assert pseudonym_sql(column) in "\n".join(
        sqlfiles.SqlFolder("validations.datasets").statements(sql)
    )
