from __future__ import annotations

from tests.factories import facility_row, failures


def test_vietnamese_values_map_to_codes(ctx_for, ref):
    row = facility_row(facility_type="Bệnh viện", ownership="Công lập", status="Đang hoạt động")
    assert failures("facilities", [row], ctx_for("moh"), ref) == [set()]


def test_a_clinic_without_beds_is_fine(ctx_for, ref):
    row = facility_row(facility_type="clinic", beds="0")
    assert failures("facilities", [row], ctx_for("moh"), ref) == [set()]
