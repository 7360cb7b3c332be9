"""Each visits row rule: a valid row passes, and a row made to break the rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures, visit_row


@pytest.mark.parametrize("column", ["visit_id", "facility_code", "icd10_main", "province_code"])
def test_each_required_text_column_is_required(column, ctx_for, ref):
    [found] = failures("visits", [visit_row(**{column: ""})], ctx_for("province"), ref)
    assert f"visits.{column}.required" in found


def test_an_unreadable_date_is_a_format_error_not_a_missing_value(ctx_for, ref):
    [found] = failures("visits", [visit_row(birth_date="32/13/1990")], ctx_for("province"), ref)
    assert "visits.birth_date.format" in found
    assert "visits.birth_date.required" not in found


def test_claims_spelling_is_read_like_canonical(ctx_for, ref):
    claims = {
        "MA_LK": "A1",
        "MA_CSKCB": "1001",
        "SO_CCCD": "001 090 012 345",
        "HO_TEN": "Lê Thị Hoa",
        "NGAY_SINH": "17/05/1990",
        "GIOI_TINH": "1",
        "MA_LOAI_KCB": "1",
        "NGAY_VAO": "202611200830",
        "NGAY_RA": "202611221000",
        "MA_BENH_CHINH": "J18.9",
        "T_TONGCHI_BV": "1.000.000",
        "T_BHTT": "800.000",
        "T_BNCCT": "150.000",
        "T_BNTT": "50.000",
        "MATINH_CU_TRU": "1",
        "MAXA_CU_TRU": "70",
        "NGAY_CAP_NHAT": "24/11/2026 09:00",
    }
    assert failures("visits", [claims], ctx_for("province"), ref) == [set()]


def test_a_pre_2025_province_code_is_mapped_not_rejected(ctx_for, ref):
    # 02 (Hà Giang) is now 08 (Tuyên Quang); 02005 is... use a Tuyên Quang commune.
    commune = next(c for c, (_, p) in ref.communes.items() if p == "08")
    [found] = failures(
        "visits", [visit_row(province_code="02", commune_code=commune)], ctx_for("province"), ref
    )
    assert found == set()
