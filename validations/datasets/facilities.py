"""co_so_hanh_nghe: `facilities`, the ministry's register of health facilities.

Key: facility_code."""

from __future__ import annotations

from validations import checks
from validations.datasets import define
from validations.model import Column, Rule

DATASET = define(
    id="facilities",
    database_id="co_so_hanh_nghe",
    delivered_by="moh",
    key=("facility_code",),
    description_vi="Danh mục cơ sở khám bệnh, chữa bệnh",
    description_en="Register of health facilities",
    example={
        "facility_code": "01001",
        "facility_name": "Bệnh viện Đa khoa Hà Nội",
        "facility_type": "hospital",
        "ownership": "public",
        "province_code": "01",
        "commune_code": "00070",
        "license_no": "00123/BYT-GPHĐ",
        "status": "active",
        "beds": "500",
        "updated_at": "2026-11-20 08:00:00",
    },
    columns=(
        Column(
            "facility_code",
            "code",
            "Facility code (MA_CSKCB): 5 digits, the first two a province code",
            vi=("MA_CSKCB", "mã cơ sở", "mã cơ sở khám chữa bệnh"),
            required=True,
            width=5,
        ),
        Column(
            "facility_name", "text", "Facility name", vi=("tên cơ sở", "TEN_CSKCB"), required=True
        ),
        Column(
            "facility_type",
            "enum",
            "Kind of facility",
            vi=("loại hình",),
            required=True,
            values=("hospital", "polyclinic", "clinic", "commune_health_station", "medical_center"),
            synonyms={
                "bệnh viện": "hospital",
                "phòng khám đa khoa": "polyclinic",
                "phòng khám": "clinic",
                "trạm y tế": "commune_health_station",
                "trung tâm y tế": "medical_center",
            },
        ),
        Column(
            "ownership",
            "enum",
            "Public or private",
            vi=("sở hữu", "hình thức sở hữu"),
            required=True,
            values=("public", "private"),
            synonyms={"công lập": "public", "tư nhân": "private", "ngoài công lập": "private"},
        ),
        Column(
            "province_code",
            "province",
            "Current province code of the facility",
            vi=("mã tỉnh",),
            required=True,
            width=2,
        ),
        Column(
            "commune_code",
            "commune",
            "Commune code of the facility",
            vi=("mã xã",),
            required=True,
            width=5,
        ),
        Column(
            "license_no",
            "code",
            "Operating licence number",
            vi=("số giấy phép hoạt động", "số giấy phép"),
        ),
        Column(
            "status",
            "enum",
            "Operating status",
            vi=("trạng thái", "tình trạng"),
            required=True,
            values=("active", "suspended", "closed"),
            synonyms={
                "hoạt động": "active",
                "đang hoạt động": "active",
                "tạm dừng": "suspended",
                "đình chỉ": "suspended",
                "đóng cửa": "closed",
                "ngừng hoạt động": "closed",
            },
        ),
        Column("beds", "int", "Number of beds", vi=("số giường", "giường bệnh")),
        Column(
            "updated_at",
            "datetime",
            "When the source system last changed the record",
            vi=("ngày cập nhật", "thời điểm cập nhật"),
            required=True,
        ),
    ),
    rules=(
        Rule(
            "facilities.facility_code.format",
            "accurate",
            "error",
            "Mã cơ sở phải gồm 5 chữ số",
            "facility_code must be 5 digits",
            ("facility_code",),
            check=lambda df, ctx: checks.matches(df["facility_code"], r"[0-9]{5}"),
            breaks=lambda row, ctx: {"facility_code": "1001A"},
        ),
        Rule(
            "facilities.facility_code.province_prefix",
            "accurate",
            "error",
            "Hai chữ số đầu của mã cơ sở không phải mã tỉnh",
            "The first two digits of facility_code are not a province code",
            ("facility_code",),
            check=lambda df, ctx: checks.province_prefix(
                df["facility_code"], ctx.province_codes, ctx.old_province_codes
            ),
            breaks=lambda row, ctx: {"facility_code": "99001"},
        ),
        Rule(
            "facilities.beds.non_negative",
            "accurate",
            "error",
            "Số giường không được âm",
            "beds must not be negative",
            ("beds",),
            check=lambda df, ctx: checks.in_range(df["beds"], low=0),
            breaks=lambda row, ctx: {"beds": "-3"},
        ),
        Rule(
            "facilities.beds.hospital_without_beds",
            "accurate",
            "warning",
            "Bệnh viện khai báo 0 giường bệnh",
            "A hospital with 0 beds",
            ("facility_type", "beds"),
            check=lambda df, ctx: (
                ~((df["facility_type"] == "hospital") & (df["beds"] == 0))
                .fillna(False)
                .astype(bool)
            ),
            breaks=lambda row, ctx: {"beds": "0"},
        ),
        Rule(
            "facilities.facility_name.placeholder",
            "clean",
            "warning",
            "Tên cơ sở là giá trị giữ chỗ (test, không rõ...)",
            "facility_name is a placeholder (test, unknown...)",
            ("facility_name",),
            check=lambda df, ctx: checks.not_placeholder_name(df["facility_name"]),
            breaks=lambda row, ctx: {"facility_name": "test"},
        ),
    ),
)
