"""social_protection: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

from tests.factories import failures, row

DATASET = "social_protection"
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_the_elderly_age_is_configurable(ref):
    from dataclasses import replace

    from tests.conftest import RUN_DATE, rule_settings
    from transforms.ingest.context import make_context

    case = row("social_protection", person_id="001150012345", birth_date="1950-01-01")  # 73
    ctx = make_context(RUN_DATE, "province", ref, rule_settings())
    assert failures(DATASET, [case], ctx, ref) == [{"social_protection.category.elderly_age"}]
    younger = replace(ctx, elderly_age=70)
    assert failures(DATASET, [case], younger, ref) == [set()]
    ctx70 = make_context(RUN_DATE, "province", ref, rule_settings(elderly_age=70))
    assert ctx70.elderly_age == 70 and failures(DATASET, [case], ctx70, ref) == [set()]


def test_other_categories_have_no_age_rule(ctx_for, ref):
    case = row(
        "social_protection",
        person_id="001190012345",
        birth_date="1990-01-01",
        category="người khuyết tật",
    )
    assert failures(DATASET, [case], ctx_for("province"), ref) == [set()]
