"""Each drugs row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_registry import drug_row
from validations.registry import DATASETS

BROKEN = [
    ("drugs.registration_no.required", {"registration_no": ""}),
    ("drugs.registration_no.format", {"registration_no": "VD 12345 19"}),
    ("drugs.registration_no.format", {"registration_no": "VD-12345-2019"}),
    ("drugs.registration_no.format", {"registration_no": "89311000172"}),
    ("drugs.registration_no.format", {"registration_no": "XX-123-20"}),
    ("drugs.drug_name.required", {"drug_name": ""}),
    ("drugs.active_ingredient.required", {"active_ingredient": ""}),
    ("drugs.country.iso", {"country": "Việt Nam"}),
    ("drugs.country.iso", {"country": "VNM"}),
    ("drugs.country.iso", {"country": "XZ"}),
    ("drugs.valid_until.required", {"valid_until": ""}),
    ("drugs.valid_until.format", {"valid_until": "vô thời hạn"}),
    ("drugs.updated_at.required", {"updated_at": ""}),
    ("drugs.updated_at.format", {"updated_at": "2026-13-01"}),
    ("drugs.updated_at.fresh", {"updated_at": "2026-09-01 08:00"}),
    ("drugs.updated_at.not_future", {"updated_at": "2027-01-01 08:00"}),
]


def test_a_valid_drug_passes(ctx_for, ref):
    assert failures("drugs", [drug_row()], ctx_for("moh"), ref) == [set()]


@pytest.mark.parametrize(("rule_id", "overrides"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_drug_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures("drugs", [drug_row(**overrides)], ctx_for("moh"), ref)
    assert rule_id in found


def test_every_row_rule_of_drugs_is_exercised():
    row_rules = {r.id for r in DATASETS["drugs"].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} == set()


@pytest.mark.parametrize(
    "registration_no",
    [
        "893110123423",  # 2022 numbering: 12 digits
        "VN-20123-17",
        "VS-4567-21",
        "GC-345-22",
        "QLĐB-789-20",
        "QLSP-1234-19",
        "QLVX-56-21",
    ],
)
def test_every_registration_format_passes(registration_no, ctx_for, ref):
    row = drug_row(registration_no=registration_no)
    assert failures("drugs", [row], ctx_for("moh"), ref) == [set()]


def test_an_expired_registration_is_not_a_register_error(ctx_for, ref):
    # The register keeps expired registrations; prescribing against one is judged there.
    row = drug_row(valid_until="2020-12-31")
    assert failures("drugs", [row], ctx_for("moh"), ref) == [set()]


def test_country_is_optional(ctx_for, ref):
    assert failures("drugs", [drug_row(country="")], ctx_for("moh"), ref) == [set()]
