"""Each practitioners row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures, row
from validations.registry import DATASETS


def test_the_certificate_may_be_issued_on_the_18th_birthday(ctx_for, ref):
    case = row("practitioners", issued_on="2003-03-02")
    assert failures("practitioners", [case], ctx_for("moh"), ref) == [set()]


@pytest.mark.parametrize("license_no", ["009999/HNO-GPHN", "0012345/HCM-CCHN", "1234/KH-CCHN"])
def test_licence_numbers_of_every_authority_pass(license_no, ctx_for, ref):
    case = row("practitioners", license_no=license_no)
    assert failures("practitioners", [case], ctx_for("moh"), ref) == [set()]


def test_vietnamese_values_map_to_codes(ctx_for, ref):
    case = row(
        "practitioners",
        profession="Bác sĩ",
        status="Còn hiệu lực",
        sex="Nữ",
        birth_date="02/03/1985",
    )
    assert failures("practitioners", [case], ctx_for("moh"), ref) == [set()]


def test_facility_code_is_a_reference_rule():
    rule = next(
        r for r in DATASETS["practitioners"].rules if r.id == "practitioners.facility_code.exists"
    )
    assert (rule.kind, rule.references) == ("reference", ("facilities", "facility_code"))
