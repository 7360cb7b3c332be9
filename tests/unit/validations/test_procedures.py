"""procedures: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

from tests.factories import failures, row

DATASET = "procedures"
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_central_procedure_not_eligible_passes(ctx_for, ref):
    case = row(
        "procedures",
        level="trung ương",
        decentralized="không",
        portal_eligible="0",
        portal_integrated="0",
        integrated_on="",
        standardized="false",
        online_level="một phần",
    )
    assert failures(DATASET, [case], ctx_for("moh"), ref) == [set()]
