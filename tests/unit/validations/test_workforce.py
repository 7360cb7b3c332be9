"""Each workforce row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures, row
from validations.registry import DATASETS


@pytest.mark.parametrize(
    ("start", "end"), [("2003-03-02", ""), ("2012-09-01", "2012-09-01"), ("2060-03-02", "")]
)
def test_working_age_and_end_date_bounds_are_inclusive(start, end, ctx_for, ref):
    case = row("workforce", start_date=start, end_date=end)
    assert failures("workforce", [case], ctx_for("province"), ref) == [set()]


def test_staff_without_a_licence_pass(ctx_for, ref):
    case = row(
        "workforce", practitioner_license_no="", position="Kế toán", qualification="Cao đẳng"
    )
    assert failures("workforce", [case], ctx_for("province"), ref) == [set()]


def test_references_are_set_rules():
    refs = {r.id: r.references for r in DATASETS["workforce"].rules if r.kind == "reference"}
    assert refs == {
        "workforce.facility_code.exists": ("facilities", "facility_code"),
        "workforce.practitioner_license_no.exists": ("practitioners", "license_no"),
    }
