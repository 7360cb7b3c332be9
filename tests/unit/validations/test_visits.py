"""Each visits row rule: a valid row passes, and a row made to break the rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures, visit_row

BROKEN = [
    ("visits.patient_id.required", {"patient_id": ""}),
    ("visits.patient_id.structure", {"patient_id": "12345"}),
    ("visits.patient_id.not_junk", {"patient_id": "000000000000"}),
    ("visits.patient_id.not_junk", {"patient_id": "123456789012"}),
    ("visits.patient_name.required", {"patient_name": "  "}),
    ("visits.birth_date.format", {"birth_date": "31/02/1990"}),
    ("visits.birth_date.range", {"birth_date": "1899-12-31"}),
    ("visits.birth_date.matches_id", {"birth_date": "1991-05-17"}),
    ("visits.sex.allowed", {"sex": "X"}),
    ("visits.sex.matches_id", {"sex": "Nữ"}),
    ("visits.insurance_card.format", {"insurance_card": "DN4010123456789;XX"}),
    ("visits.visit_type.allowed", {"visit_type": "10"}),
    ("visits.admitted_at.required", {"admitted_at": ""}),
    ("visits.admitted_at.format", {"admitted_at": "hôm qua"}),
    (
        "visits.admitted_at.not_future",
        {"admitted_at": "2027-01-01 08:00", "discharged_at": "2027-01-02 08:00"},
    ),
    ("visits.discharged_at.after_admission", {"discharged_at": "2026-11-19 08:00"}),
    ("visits.stay.long", {"admitted_at": "2025-01-01 08:00"}),
    ("visits.icd10_main.format", {"icd10_main": "J189"}),
    ("visits.icd10_secondary.format", {"icd10_secondary": ";".join(["I10"] * 13)}),
    ("visits.costs.non_negative", {"other_paid": "-1", "insurance_paid": "800001"}),
    ("visits.costs.add_up", {"insurance_paid": "800002"}),
    ("visits.total_cost.format", {"total_cost": "một triệu"}),
    ("visits.province_code.valid", {"province_code": "99"}),
    ("visits.commune_code.in_province", {"commune_code": "26734"}),
    ("visits.facility_code.format", {"facility_code": "0100A"}),
    ("visits.facility_code.province_prefix", {"facility_code": "99001"}),
    ("visits.visit_id.length", {"visit_id": "x" * 101}),
    ("visits.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("visits.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}),
    ("visits.patient_name.placeholder", {"patient_name": "Không rõ"}),
]


def test_a_valid_visit_passes_every_rule(ctx_for, ref):
    assert failures("visits", [visit_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(("rule_id", "overrides"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_visit_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures("visits", [visit_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_of_visits_is_exercised():
    from validations.registry import DATASETS

    row_rules = {r.id for r in DATASETS["visits"].rules if r.kind == "row"}
    exercised = {rule_id for rule_id, _ in BROKEN}
    # A required column that is also parsed cannot be broken apart from `format` for these:
    untested = (
        row_rules
        - exercised
        - {
            "visits.visit_id.required",
            "visits.facility_code.required",
            "visits.birth_date.required",
            "visits.sex.required",
            "visits.visit_type.required",
            "visits.discharged_at.required",
            "visits.discharged_at.format",
            "visits.icd10_main.required",
            "visits.total_cost.required",
            "visits.insurance_paid.required",
            "visits.insurance_paid.format",
            "visits.patient_paid.required",
            "visits.patient_paid.format",
            "visits.other_paid.format",
            "visits.province_code.required",
            "visits.updated_at.required",
            "visits.updated_at.format",
        }
    )
    assert untested == set()


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
