from __future__ import annotations

import pytest

from tests.factories import facility_row, failures

BROKEN = [
    ("facilities.facility_code.format", {"facility_code": "1001A"}),
    ("facilities.facility_code.province_prefix", {"facility_code": "99001"}),
    ("facilities.facility_name.required", {"facility_name": ""}),
    ("facilities.facility_name.placeholder", {"facility_name": "test"}),
    ("facilities.facility_type.allowed", {"facility_type": "spa"}),
    ("facilities.ownership.allowed", {"ownership": "state"}),
    ("facilities.status.allowed", {"status": "open"}),
    ("facilities.beds.format", {"beds": "12.5"}),
    ("facilities.beds.non_negative", {"beds": "-3"}),
    ("facilities.beds.hospital_without_beds", {"beds": "0"}),
    ("facilities.province_code.valid", {"province_code": "00"}),
    ("facilities.commune_code.in_province", {"commune_code": "99999"}),
    ("facilities.updated_at.fresh", {"updated_at": "2026-09-01"}),
]


def test_a_valid_facility_passes(ctx_for, ref):
    assert failures("facilities", [facility_row()], ctx_for("moh"), ref) == [set()]


@pytest.mark.parametrize(("rule_id", "overrides"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_facility_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures("facilities", [facility_row(**overrides)], ctx_for("moh"), ref)
    assert rule_id in found


def test_vietnamese_values_map_to_codes(ctx_for, ref):
    row = facility_row(facility_type="Bệnh viện", ownership="Công lập", status="Đang hoạt động")
    assert failures("facilities", [row], ctx_for("moh"), ref) == [set()]


def test_a_clinic_without_beds_is_fine(ctx_for, ref):
    row = facility_row(facility_type="clinic", beds="0")
    assert failures("facilities", [row], ctx_for("moh"), ref) == [set()]
