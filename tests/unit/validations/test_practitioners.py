"""Each practitioners row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_registry import practitioner_row
from validations.registry import DATASETS

BROKEN = [
    ("practitioners.license_no.required", {"license_no": ""}),
    ("practitioners.license_no.format", {"license_no": "001234 /BYT-CCHN"}),
    ("practitioners.license_no.format", {"license_no": "001234/byt-CCHN"}),
    ("practitioners.license_no.format", {"license_no": "001234-BYT-CCHN"}),
    ("practitioners.person_id.required", {"person_id": ""}),
    ("practitioners.person_id.structure", {"person_id": "00118501234"}),
    ("practitioners.person_id.not_junk", {"person_id": "111111111111"}),
    ("practitioners.full_name.required", {"full_name": " "}),
    ("practitioners.full_name.placeholder", {"full_name": "Không rõ"}),
    ("practitioners.birth_date.required", {"birth_date": ""}),
    ("practitioners.birth_date.format", {"birth_date": "30/02/1985"}),
    ("practitioners.birth_date.matches_id", {"birth_date": "1986-03-02"}),
    ("practitioners.sex.required", {"sex": ""}),
    ("practitioners.sex.allowed", {"sex": "X"}),
    ("practitioners.sex.matches_id", {"sex": "Nam"}),
    ("practitioners.profession.required", {"profession": ""}),
    ("practitioners.profession.allowed", {"profession": "surgeon"}),
    ("practitioners.issued_on.required", {"issued_on": ""}),
    ("practitioners.issued_on.format", {"issued_on": "15.06.2012"}),
    ("practitioners.issued_on.adult", {"issued_on": "2003-03-01"}),
    ("practitioners.status.required", {"status": ""}),
    ("practitioners.status.allowed", {"status": "expired"}),
    ("practitioners.updated_at.required", {"updated_at": ""}),
    ("practitioners.updated_at.format", {"updated_at": "hôm qua"}),
    ("practitioners.updated_at.fresh", {"updated_at": "2026-09-01 08:00"}),
    ("practitioners.updated_at.not_future", {"updated_at": "2026-12-30 08:00"}),
]


def test_a_valid_practitioner_passes(ctx_for, ref):
    assert failures("practitioners", [practitioner_row()], ctx_for("moh"), ref) == [set()]


@pytest.mark.parametrize(("rule_id", "overrides"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_practitioner_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures("practitioners", [practitioner_row(**overrides)], ctx_for("moh"), ref)
    assert rule_id in found


def test_every_row_rule_of_practitioners_is_exercised():
    row_rules = {r.id for r in DATASETS["practitioners"].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} == set()


def test_the_certificate_may_be_issued_on_the_18th_birthday(ctx_for, ref):
    row = practitioner_row(issued_on="2003-03-02")
    assert failures("practitioners", [row], ctx_for("moh"), ref) == [set()]


@pytest.mark.parametrize("license_no", ["009999/HNO-GPHN", "0012345/HCM-CCHN", "1234/KH-CCHN"])
def test_licence_numbers_of_every_authority_pass(license_no, ctx_for, ref):
    row = practitioner_row(license_no=license_no)
    assert failures("practitioners", [row], ctx_for("moh"), ref) == [set()]


def test_vietnamese_values_map_to_codes(ctx_for, ref):
    row = practitioner_row(
        profession="Bác sĩ", status="Còn hiệu lực", sex="Nữ", birth_date="02/03/1985"
    )
    assert failures("practitioners", [row], ctx_for("moh"), ref) == [set()]


def test_facility_code_is_a_reference_rule():
    rule = next(
        r for r in DATASETS["practitioners"].rules if r.id == "practitioners.facility_code.exists"
    )
    assert (rule.kind, rule.references) == ("reference", ("facilities", "facility_code"))
