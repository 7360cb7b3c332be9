"""so_suc_khoe: `health_checks`, health examinations (driver, employment, school, periodic...)
recorded in the e-health book, delivered by every province. Key: check_id."""

from __future__ import annotations

from validations import checks
from validations.datasets import define
from validations.model import Column, Rule

DATASET = define(
    id="health_checks",
    database_id="so_suc_khoe",
    delivered_by="province",
    key=("check_id",),
    description_vi="Kết quả khám sức khỏe (sổ sức khỏe điện tử)",
    description_en="Health checks recorded in the e-health book",
    example={
        "check_id": "01-KSK-0000123",
        "person_id": "001090012345",
        "check_type": "driver",
        "checked_on": "2026-11-20",
        "facility_code": "01001",
        "conclusion": "fit",
        "valid_until": "2027-11-20",
        "province_code": "01",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        Column(
            "check_id",
            "code",
            "Health-check identifier, unique across provinces",
            vi=("mã lượt khám", "mã khám sức khỏe", "số giấy khám sức khỏe"),
            required=True,
        ),
        Column(
            "person_id",
            "person_id",
            "Examined person's id, pseudonymised in the warehouse (keyed hash of the CCCD)",
            vi=("số CCCD", "số định danh", "SO_CCCD"),
            required=True,
            pii="pseudonymise",
        ),
        Column(
            "check_type",
            "enum",
            "Purpose of the check",
            vi=("loại khám", "loại khám sức khỏe"),
            required=True,
            values=("general", "driver", "employment", "school", "periodic"),
            synonyms={
                "khám tổng quát": "general",
                "tổng quát": "general",
                "lái xe": "driver",
                "khám lái xe": "driver",
                "tuyển dụng": "employment",
                "đi làm": "employment",
                "học sinh": "school",
                "học đường": "school",
                "định kỳ": "periodic",
                "khám định kỳ": "periodic",
            },
        ),
        Column("checked_on", "date", "Date of the examination", vi=("ngày khám",), required=True),
        Column(
            "facility_code",
            "code",
            "Examining facility (MA_CSKCB)",
            vi=("MA_CSKCB", "mã cơ sở", "nơi khám"),
            required=True,
            width=5,
        ),
        Column(
            "conclusion",
            "enum",
            "Conclusion: fit, unfit or conditional",
            vi=("kết luận",),
            required=True,
            values=("fit", "unfit", "conditional"),
            synonyms={
                "đủ sức khỏe": "fit",
                "đạt": "fit",
                "không đủ sức khỏe": "unfit",
                "không đạt": "unfit",
                "đủ sức khỏe có điều kiện": "conditional",
                "có điều kiện": "conditional",
            },
        ),
        Column(
            "valid_until",
            "date",
            "Last day the certificate of the check is valid",
            vi=("giá trị đến", "hiệu lực đến", "ngày hết hạn"),
        ),
        Column(
            "province_code",
            "province",
            "Province of the examining facility",
            vi=("mã tỉnh", "MA_TINH"),
            required=True,
            width=2,
        ),
        Column(
            "updated_at",
            "datetime",
            "When the source system last changed the record",
            vi=("ngày cập nhật", "thời điểm cập nhật", "NGAY_CAP_NHAT"),
            required=True,
        ),
    ),
    rules=(
        Rule(
            "health_checks.facility_code.exists",
            "accurate",
            "error",
            "Mã cơ sở khám không có trong danh mục cơ sở khám chữa bệnh",
            "facility_code is not in the facilities register",
            ("facility_code",),
            kind="reference",
            references=("facilities", "facility_code"),
        ),
        Rule(
            "health_checks.valid_until.after_check",
            "accurate",
            "error",
            "Ngày hết hạn giấy khám sức khỏe trước ngày khám",
            "valid_until is before checked_on",
            ("checked_on", "valid_until"),
            check=lambda df, ctx: checks.on_or_after(df["valid_until"], df["checked_on"]),
            breaks=lambda row, ctx: {"valid_until": "2026-11-19"},
        ),
    ),
)
