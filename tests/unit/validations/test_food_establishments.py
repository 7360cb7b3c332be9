"""food_establishments: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

from tests.factories import failures, row

DATASET = "food_establishments"
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_street_food_needs_no_certificate(ctx_for, ref):
    case = row(
        "food_establishments",
        business_type="thức ăn đường phố",
        certificate_no="",
        certificate_valid_until="",
    )
    assert failures(DATASET, [case], ctx_for("province"), ref) == [set()]
