"""Each herbal_products row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_registry import herbal_product_row
from validations.registry import DATASETS

BROKEN = [
    ("herbal_products.registration_no.required", {"registration_no": ""}),
    ("herbal_products.registration_no.format", {"registration_no": "V123-H12"}),
    ("herbal_products.registration_no.format", {"registration_no": "V123 H12 19"}),
    ("herbal_products.product_name.required", {"product_name": ""}),
    ("herbal_products.ingredients.required", {"ingredients": ""}),
    ("herbal_products.valid_until.required", {"valid_until": ""}),
    ("herbal_products.valid_until.format", {"valid_until": "31/06/2028"}),
    ("herbal_products.updated_at.required", {"updated_at": ""}),
    ("herbal_products.updated_at.format", {"updated_at": "không rõ"}),
    ("herbal_products.updated_at.fresh", {"updated_at": "2026-08-01"}),
    ("herbal_products.updated_at.not_future", {"updated_at": "2027-02-01"}),
]


def test_a_valid_herbal_product_passes(ctx_for, ref):
    assert failures("herbal_products", [herbal_product_row()], ctx_for("moh"), ref) == [set()]


@pytest.mark.parametrize(("rule_id", "overrides"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_herbal_product_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures("herbal_products", [herbal_product_row(**overrides)], ctx_for("moh"), ref)
    assert rule_id in found


def test_every_row_rule_of_herbal_products_is_exercised():
    row_rules = {r.id for r in DATASETS["herbal_products"].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} == set()


@pytest.mark.parametrize("registration_no", ["V1-H1-20", "VD-12345-19", "893210004522"])
def test_drug_formats_are_accepted_too(registration_no, ctx_for, ref):
    row = herbal_product_row(registration_no=registration_no)
    assert failures("herbal_products", [row], ctx_for("moh"), ref) == [set()]
