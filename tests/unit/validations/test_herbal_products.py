"""Each herbal_products row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures, row


@pytest.mark.parametrize("registration_no", ["V1-H1-20", "VD-12345-19", "893210004522"])
def test_drug_formats_are_accepted_too(registration_no, ctx_for, ref):
    case = row("herbal_products", registration_no=registration_no)
    assert failures("herbal_products", [case], ctx_for("moh"), ref) == [set()]
