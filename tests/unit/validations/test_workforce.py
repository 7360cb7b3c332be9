"""Each workforce row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_registry import workforce_row
from validations.registry import DATASETS

BROKEN = [
    ("workforce.staff_id.required", {"staff_id": ""}),
    ("workforce.person_id.required", {"person_id": ""}),
    ("workforce.person_id.structure", {"person_id": "0011850123"}),
    ("workforce.person_id.not_junk", {"person_id": "999999999999"}),
    ("workforce.full_name.required", {"full_name": ""}),
    ("workforce.full_name.placeholder", {"full_name": "test"}),
    ("workforce.birth_date.required", {"birth_date": ""}),
    ("workforce.birth_date.format", {"birth_date": "02/03/85"}),
    ("workforce.birth_date.matches_id", {"birth_date": "1984-03-02"}),
    ("workforce.sex.required", {"sex": ""}),
    ("workforce.sex.allowed", {"sex": "?"}),
    ("workforce.sex.matches_id", {"sex": "M"}),
    ("workforce.position.required", {"position": ""}),
    ("workforce.qualification.required", {"qualification": ""}),
    ("workforce.qualification.allowed", {"qualification": "phd"}),
    ("workforce.facility_code.required", {"facility_code": ""}),
    ("workforce.start_date.required", {"start_date": ""}),
    ("workforce.start_date.format", {"start_date": "tháng 9/2012"}),
    ("workforce.start_date.working_age", {"start_date": "2003-03-01"}),
    (
        "workforce.start_date.working_age",
        {"birth_date": "1945-03-02", "person_id": "001145012345", "start_date": "2021-03-02"},
    ),
    ("workforce.end_date.format", {"end_date": "31/12"}),
    ("workforce.end_date.after_start", {"end_date": "2012-08-31"}),
    ("workforce.province_code.required", {"province_code": ""}),
    ("workforce.province_code.valid", {"province_code": "99"}),
    ("workforce.updated_at.required", {"updated_at": ""}),
    ("workforce.updated_at.format", {"updated_at": "mai"}),
    ("workforce.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("workforce.updated_at.not_future", {"updated_at": "2027-11-24 09:00"}),
]


def test_a_valid_staff_member_passes(ctx_for, ref):
    assert failures("workforce", [workforce_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(("rule_id", "overrides"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_staff_member_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures("workforce", [workforce_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_of_workforce_is_exercised():
    row_rules = {r.id for r in DATASETS["workforce"].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} == set()


@pytest.mark.parametrize(
    ("start", "end"), [("2003-03-02", ""), ("2012-09-01", "2012-09-01"), ("2060-03-02", "")]
)
def test_working_age_and_end_date_bounds_are_inclusive(start, end, ctx_for, ref):
    row = workforce_row(start_date=start, end_date=end)
    assert failures("workforce", [row], ctx_for("province"), ref) == [set()]


def test_staff_without_a_licence_pass(ctx_for, ref):
    row = workforce_row(practitioner_license_no="", position="Kế toán", qualification="Cao đẳng")
    assert failures("workforce", [row], ctx_for("province"), ref) == [set()]


def test_references_are_set_rules():
    refs = {r.id: r.references for r in DATASETS["workforce"].rules if r.kind == "reference"}
    assert refs == {
        "workforce.facility_code.exists": ("facilities", "facility_code"),
        "workforce.practitioner_license_no.exists": ("practitioners", "license_no"),
    }
