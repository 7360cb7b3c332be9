"""births: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_population import birth_row
from validations.registry import DATASETS

DATASET = "births"
BROKEN = [
    ("births.certificate_no.required", {"certificate_no": ""}),
    ("births.mother_id.required", {"mother_id": ""}),
    ("births.mother_id.structure", {"mother_id": "98765"}),
    ("births.mother_id.not_junk", {"mother_id": "999999999999"}),
    ("births.mother_birth_date.required", {"mother_birth_date": ""}),
    ("births.mother_birth_date.format", {"mother_birth_date": "32/13/1995"}),
    ("births.mother_birth_date.matches_id", {"mother_birth_date": "1993-08-09"}),
    (
        "births.mother_birth_date.age_at_birth",
        {"mother_id": "001218012345", "mother_birth_date": "2018-01-01"},
    ),
    (
        "births.mother_birth_date.age_at_birth",
        {"mother_id": "001960012345", "mother_birth_date": "1960-01-01"},
    ),
    ("births.born_at.required", {"born_at": ""}),
    ("births.born_at.format", {"born_at": "32/13/2026 25:00"}),
    ("births.born_at.not_future", {"born_at": "2026-12-20 03:00"}),
    ("births.sex.required", {"sex": ""}),
    ("births.sex.allowed", {"sex": "X"}),
    ("births.weight_grams.required", {"weight_grams": ""}),
    ("births.weight_grams.format", {"weight_grams": "ba cân"}),
    ("births.weight_grams.range", {"weight_grams": "150"}),
    ("births.weight_grams.range", {"weight_grams": "7001"}),
    ("births.gestational_weeks.format", {"gestational_weeks": "chín"}),
    ("births.gestational_weeks.range", {"gestational_weeks": "19"}),
    ("births.gestational_weeks.range", {"gestational_weeks": "46"}),
    ("births.place.required", {"place": ""}),
    ("births.place.allowed", {"place": "street"}),
    ("births.facility_code.required_at_facility", {"facility_code": ""}),
    ("births.province_code.required", {"province_code": ""}),
    ("births.province_code.valid", {"province_code": "99"}),
    ("births.commune_code.required", {"commune_code": ""}),
    ("births.commune_code.in_province", {"commune_code": "26734"}),
    ("births.updated_at.required", {"updated_at": ""}),
    ("births.updated_at.format", {"updated_at": "hôm nay"}),
    ("births.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("births.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}),
]
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_valid_row_passes_every_rule(ctx_for, ref):
    assert failures(DATASET, [birth_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(
    ("rule_id", "overrides"), BROKEN, ids=[f"{b[0]}:{i}" for i, b in enumerate(BROKEN)]
)
def test_a_broken_row_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures(DATASET, [birth_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_is_exercised():
    row_rules = {r.id for r in DATASETS[DATASET].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} - NOT_ALONE == set()


def test_a_home_birth_needs_no_facility(ctx_for, ref):
    row = birth_row(place="tại nhà", facility_code="")
    assert failures(DATASET, [row], ctx_for("province"), ref) == [set()]
