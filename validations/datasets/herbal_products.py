"""y_duoc_co_truyen: `herbal_products`, the ministry's register of traditional medicines and
herbal products. Key: registration_no."""

from __future__ import annotations

from validations import checks, codes
from validations.datasets import define
from validations.model import Column, Rule

DATASET = define(
    id="herbal_products",
    database_id="y_duoc_co_truyen",
    delivered_by="moh",
    key=("registration_no",),
    description_vi="Danh mục thuốc cổ truyền, dược liệu được cấp số đăng ký",
    description_en="Register of traditional medicines and herbal products",
    example={
        "registration_no": "V123-H12-19",
        "product_name": "Hoạt huyết dưỡng não",
        "ingredients": "Đinh lăng, Bạch quả",
        "manufacturer": "Công ty Cổ phần Traphaco",
        "valid_until": "2028-06-30",
        "updated_at": "2026-11-20 08:00:00",
    },
    columns=(
        Column(
            "registration_no",
            "code",
            "Registration number: `V123-H12-19` or any format of the drugs register",
            vi=("số đăng ký", "SDK"),
            required=True,
        ),
        Column(
            "product_name", "text", "Product name", vi=("tên thuốc", "tên sản phẩm"), required=True
        ),
        Column(
            "ingredients",
            "text",
            "Herbal ingredients (thành phần)",
            vi=("thành phần", "thành phần dược liệu"),
            required=True,
        ),
        Column("manufacturer", "text", "Manufacturer", vi=("cơ sở sản xuất", "nhà sản xuất")),
        Column(
            "valid_until",
            "date",
            "Last day the registration is valid",
            vi=("ngày hết hiệu lực", "hiệu lực đến"),
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
            "herbal_products.registration_no.format",
            "accurate",
            "error",
            "Số đăng ký không đúng định dạng (V123-H12-19 hoặc định dạng số đăng ký thuốc)",
            "registration_no is neither V<n>-H<n>-<yy> nor a drug registration format",
            ("registration_no",),
            check=lambda df, ctx: checks.matches(df["registration_no"], codes.HERBAL_REGISTRATION),
            breaks=lambda row, ctx: {"registration_no": "V123-H12"},
        ),
    ),
)
