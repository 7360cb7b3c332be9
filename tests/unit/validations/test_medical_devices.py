"""Each medical_devices row rule: a valid row passes, and a row made to break it fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_registry import medical_device_row
from validations.registry import DATASETS

BROKEN = [
    ("medical_devices.registration_no.required", {"registration_no": ""}),
    ("medical_devices.device_name.required", {"device_name": ""}),
    ("medical_devices.risk_class.required", {"risk_class": ""}),
    ("medical_devices.risk_class.allowed", {"risk_class": "E"}),
    ("medical_devices.valid_until.format", {"valid_until": "2029-02-30"}),
    ("medical_devices.valid_until.required_for_class_c_d", {"valid_until": ""}),
    ("medical_devices.valid_until.required_for_class_c_d", {"risk_class": "D", "valid_until": ""}),
    ("medical_devices.updated_at.required", {"updated_at": ""}),
    ("medical_devices.updated_at.format", {"updated_at": "20/11"}),
    ("medical_devices.updated_at.fresh", {"updated_at": "2026-10-01 08:00"}),
    ("medical_devices.updated_at.not_future", {"updated_at": "2026-12-01 08:00"}),
]


def test_a_valid_medical_device_passes(ctx_for, ref):
    assert failures("medical_devices", [medical_device_row()], ctx_for("moh"), ref) == [set()]


@pytest.mark.parametrize(("rule_id", "overrides"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_medical_device_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures("medical_devices", [medical_device_row(**overrides)], ctx_for("moh"), ref)
    assert rule_id in found


def test_every_row_rule_of_medical_devices_is_exercised():
    row_rules = {r.id for r in DATASETS["medical_devices"].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} == set()


@pytest.mark.parametrize("risk_class", ["A", "B", "loại b"])
def test_classes_a_and_b_need_no_expiry(risk_class, ctx_for, ref):
    row = medical_device_row(
        registration_no="240001234/PCBA-HN", risk_class=risk_class, valid_until=""
    )
    assert failures("medical_devices", [row], ctx_for("moh"), ref) == [set()]


def test_an_unreadable_expiry_is_a_format_error_not_a_missing_one(ctx_for, ref):
    [found] = failures(
        "medical_devices", [medical_device_row(valid_until="sắp tới")], ctx_for("moh"), ref
    )
    assert "medical_devices.valid_until.format" in found
    assert "medical_devices.valid_until.required_for_class_c_d" not in found
