"""births: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

from tests.factories import failures, row

DATASET = "births"
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_home_birth_needs_no_facility(ctx_for, ref):
    case = row("births", place="tại nhà", facility_code="")
    assert failures(DATASET, [case], ctx_for("province"), ref) == [set()]
