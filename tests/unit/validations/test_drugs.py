"""Each drugs row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures, row


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
    case = row("drugs", registration_no=registration_no)
    assert failures("drugs", [case], ctx_for("moh"), ref) == [set()]


def test_an_expired_registration_is_not_a_register_error(ctx_for, ref):
    # The register keeps expired registrations; prescribing against one is judged there.
    case = row("drugs", valid_until="2020-12-31")
    assert failures("drugs", [case], ctx_for("moh"), ref) == [set()]


def test_country_is_optional(ctx_for, ref):
    assert failures("drugs", [row("drugs", country="")], ctx_for("moh"), ref) == [set()]
