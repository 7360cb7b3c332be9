"""Each health_checks row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

from tests.factories import failures, row


def test_vietnamese_values_and_same_day_expiry_pass(ctx_for, ref):
    case = row(
        "health_checks",
        check_type="Khám lái xe",
        conclusion="Đủ sức khỏe",
        checked_on="20/11/2026",
        valid_until="20/11/2026",
    )
    assert failures("health_checks", [case], ctx_for("province"), ref) == [set()]


def test_valid_until_is_optional(ctx_for, ref):
    case = row("health_checks", valid_until="")
    assert failures("health_checks", [case], ctx_for("province"), ref) == [set()]
