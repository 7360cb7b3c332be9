"""Each medical_devices row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures, row


@pytest.mark.parametrize("risk_class", ["A", "B", "loại b"])
def test_classes_a_and_b_need_no_expiry(risk_class, ctx_for, ref):
    case = row(
        "medical_devices",
        registration_no="240001234/PCBA-HN",
        risk_class=risk_class,
        valid_until="",
    )
    assert failures("medical_devices", [case], ctx_for("moh"), ref) == [set()]


def test_an_unreadable_expiry_is_a_format_error_not_a_missing_one(ctx_for, ref):
    [found] = failures(
        "medical_devices", [row("medical_devices", valid_until="sắp tới")], ctx_for("moh"), ref
    )
    assert "medical_devices.valid_until.format" in found
    assert "medical_devices.valid_until.required_for_class_c_d" not in found
