"""duoc: `drugs`, the ministry's register of drug marketing authorisations (số đăng ký).
Key: registration_no."""

from __future__ import annotations

from validations import checks, codes
from validations.datasets import define
from validations.model import Column, Rule

DATASET = define(
    id="drugs",
    database_id="duoc",
    delivered_by="moh",
    key=("registration_no",),
    description_vi="Danh mục thuốc được cấp số đăng ký lưu hành",
    description_en="Register of drugs with a marketing authorisation (registration number)",
    example={
        "registration_no": "VD-12345-19",
        "drug_name": "Paracetamol 500mg",
        "active_ingredient": "Paracetamol",
        "dosage_form": "Viên nén",
        "manufacturer": "Công ty Cổ phần Dược Hậu Giang",
        "country": "VN",
        "valid_until": "2028-12-31",
        "updated_at": "2026-11-20 08:00:00",
    },
    columns=(
        Column(
            "registration_no",
            "code",
            "Registration number (số đăng ký): `VD-12345-19` and "
            "the other pre-2022 prefixes, or 12 digits under the 2022 numbering",
            vi=("số đăng ký", "SDK", "số giấy đăng ký lưu hành"),
            required=True,
        ),
        Column(
            "drug_name",
            "text",
            "Drug name with strength, e.g. Paracetamol 500mg",
            vi=("tên thuốc",),
            required=True,
        ),
        Column(
            "active_ingredient",
            "text",
            "Active ingredient(s)",
            vi=("hoạt chất", "tên hoạt chất", "hoạt chất chính"),
            required=True,
        ),
        Column("dosage_form", "text", "Dosage form, e.g. viên nén (tablet)", vi=("dạng bào chế",)),
        Column("manufacturer", "text", "Manufacturer", vi=("cơ sở sản xuất", "nhà sản xuất")),
        Column(
            "country",
            "code",
            "Country of manufacture, ISO 3166-1 alpha-2 (VN, IN, DE...)",
            vi=("nước sản xuất", "mã nước", "quốc gia"),
        ),
        Column(
            "valid_until",
            "date",
            "Last day the registration is valid",
            vi=("ngày hết hiệu lực", "hiệu lực đến", "hạn số đăng ký"),
            required=True,
        ),
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
            "drugs.registration_no.format",
            "accurate",
            "error",
            "Số đăng ký không đúng định dạng (VD-12345-19..., hoặc 12 chữ số theo cách đánh "
            "số năm 2022), không được có khoảng trắng",
            "registration_no is neither a pre-2022 number (VD-12345-19...) nor 12 digits "
            "(2022 numbering), or has spaces",
            ("registration_no",),
            check=lambda df, ctx: checks.matches(df["registration_no"], codes.DRUG_REGISTRATION),
            breaks=lambda row, ctx: {"registration_no": "VD 12345 19"},
        ),
        Rule(
            "drugs.country.iso",
            "accurate",
            "error",
            "Nước sản xuất không phải mã quốc gia ISO 3166 hai chữ cái (VN, IN, DE...)",
            "country is not an ISO 3166-1 alpha-2 code (VN, IN, DE...)",
            ("country",),
            check=lambda df, ctx: checks.is_in(df["country"], codes.ISO_COUNTRIES),
            breaks=lambda row, ctx: {"country": "Việt Nam"},
        ),
    ),
)
