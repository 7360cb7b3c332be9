"""Header mapping: canonical names and Vietnamese aliases, with or without diacritics, any
case, extra spaces; summed parts; extras kept; missing required columns named."""

from __future__ import annotations

import pytest

from transforms.ingest.headers import map_headers
from transforms.ingest.stager import header_keys
from validations.registry import DATASETS

FACILITIES = DATASETS["facilities"]
VISITS = DATASETS["visits"]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("facility_code", "facility_code"),
        ("FACILITY_CODE", "facility_code"),
        ("Mã cơ sở", "facility_code"),
        ("ma co so", "facility_code"),
        ("MÃ  CƠ   SỞ ", "facility_code"),
        ("  mã_cơ_sở", "facility_code"),
        ("Tên cơ sở", "facility_name"),
        ("TEN CO SO", "facility_name"),
        ("Loại hình", "facility_type"),
        ("Số giường", "beds"),
        ("so giuong", "beds"),
        ("Ngày cập nhật", "updated_at"),
        ("NGAY CAP NHAT", "updated_at"),
        ("Tình trạng", "status"),
        # decomposed (NFD) Vietnamese, as some exports write it
        ("Ma\u0303 cơ sơ\u0309", "facility_code"),
    ],
)
def test_aliases_any_spelling(header, column):
    assert map_headers([header], FACILITIES).rename == {header: column}


def test_claims_tags_and_summed_parts():
    tags = [
        "MA_LK",
        "ma_cskcb",
        "So_CCCD",
        "HO_TEN",
        "NGAY_SINH",
        "GIOI_TINH",
        "MA_LOAI_KCB",
        "NGAY_VAO",
        "NGAY_RA",
        "MA_BENH_CHINH",
        "T_TONGCHI_BV",
        "T_BHTT",
        "T_BNCCT",
        "t_bntt",
        "MATINH_CU_TRU",
        "updated_at",
    ]
    result = map_headers(tags, VISITS)
    assert result.sums == {"patient_paid": ("T_BNCCT", "t_bntt")}
    assert result.rename["ma_cskcb"] == "facility_code"
    assert result.extras == []
    assert result.missing_required == []


def test_extra_columns_are_listed_once():
    headers = [
        "facility_code",
        "facility_name",
        "facility_type",
        "ownership",
        "province_code",
        "commune_code",
        "status",
        "updated_at",
        "STT",
        "Ghi chú",
        "Unnamed: 12",
    ]
    result = map_headers(headers, FACILITIES)
    assert result.extras == ["STT", "Ghi chú", "Unnamed: 12"]
    assert result.missing_required == []


def test_a_second_header_for_the_same_column_is_an_extra():
    result = map_headers(["facility_code", "Mã cơ sở"], FACILITIES)
    assert result.rename == {"facility_code": "facility_code"}
    assert result.extras == ["Mã cơ sở"]


def test_missing_required_columns_are_named():
    result = map_headers(["facility_code", "Tên cơ sở", "beds"], FACILITIES)
    assert result.missing_required == [
        "facility_type",
        "ownership",
        "province_code",
        "commune_code",
        "status",
        "updated_at",
    ]


def test_header_keys_hold_names_aliases_and_parts():
    keys = header_keys(VISITS)
    assert {
        "visit_id",
        "ma_lk",
        "t_bncct",
        "t_bntt",
        "tien_nguoi_benh_tra",
        "ngay_cap_nhat",
        "updated_at",
    } <= keys
    assert {"ma_co_so", "ten_co_so", "so_giuong"} <= header_keys(FACILITIES)
