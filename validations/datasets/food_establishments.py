"""an_toan_thuc_pham: `food_establishments`, food businesses under food-safety management,
with their certificate and last inspection (every province; key: establishment_id)."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import define
from validations.model import Column, Context, Rule


def _certificate_given(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return checks.required_when(df["certificate_no"], df["business_type"] != "street_food")


DATASET = define(
    id="food_establishments",
    database_id="an_toan_thuc_pham",
    delivered_by="province",
    key=("establishment_id",),
    description_vi="Cơ sở sản xuất, kinh doanh thực phẩm thuộc diện quản lý an toàn thực phẩm",
    description_en="Food businesses under food-safety management",
    example={
        "establishment_id": "ATTP01000001",
        "name": "Nhà hàng Hòa Bình",
        "business_type": "restaurant",
        "province_code": "01",
        "commune_code": "00070",
        "certificate_no": "123/2025/ATTP-CNĐK",
        "certificate_valid_until": "2027-06-30",
        "last_inspected_on": "2026-03-15",
        "inspection_result": "pass",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        Column(
            "establishment_id",
            "code",
            "Establishment id in the provincial food-safety register",
            vi=("mã cơ sở thực phẩm", "mã cơ sở"),
            required=True,
        ),
        Column("name", "text", "Name of the establishment", vi=("tên cơ sở",), required=True),
        Column(
            "business_type",
            "enum",
            "Kind of food business",
            vi=("loại hình kinh doanh", "loại hình"),
            required=True,
            values=("producer", "trader", "restaurant", "catering", "street_food"),
            synonyms={
                "sản xuất": "producer",
                "kinh doanh": "trader",
                "nhà hàng": "restaurant",
                "suất ăn sẵn": "catering",
                "bếp ăn tập thể": "catering",
                "thức ăn đường phố": "street_food",
            },
        ),
        Column(
            "province_code",
            "province",
            "Current province code of the establishment",
            vi=("mã tỉnh",),
            required=True,
            width=2,
        ),
        Column(
            "commune_code",
            "commune",
            "Commune code of the establishment",
            vi=("mã xã",),
            required=True,
            width=5,
        ),
        Column(
            "certificate_no",
            "code",
            "Food-safety certificate number (giấy chứng nhận cơ "
            "sở đủ điều kiện ATTP); not required of street food",
            vi=("số giấy chứng nhận", "số GCN ATTP"),
        ),
        Column(
            "certificate_valid_until",
            "date",
            "Last day the certificate is valid",
            vi=("ngày hết hạn giấy chứng nhận", "GCN có hiệu lực đến"),
        ),
        Column(
            "last_inspected_on",
            "date",
            "Date of the last inspection",
            vi=("ngày kiểm tra gần nhất",),
        ),
        Column(
            "inspection_result",
            "enum",
            "Result of the last inspection",
            vi=("kết quả kiểm tra",),
            values=("pass", "fail", "not_inspected"),
            synonyms={"đạt": "pass", "không đạt": "fail", "chưa kiểm tra": "not_inspected"},
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
            "food_establishments.certificate_no.required_unless_street_food",
            "sufficient",
            "error",
            "Thiếu số giấy chứng nhận cơ sở đủ điều kiện ATTP (bắt buộc trừ thức ăn đường phố)",
            "certificate_no is required unless the business is street food",
            ("certificate_no", "business_type"),
            check=_certificate_given,
            breaks=lambda row, ctx: {"certificate_no": ""},
        ),
        Rule(
            "food_establishments.certificate_valid_until.expired",
            "up_to_date",
            "warning",
            "Giấy chứng nhận ATTP đã hết hạn",
            "The food-safety certificate has expired",
            ("certificate_valid_until",),
            check=lambda df, ctx: checks.not_before(df["certificate_valid_until"], ctx.run_date),
            breaks=lambda row, ctx: {"certificate_valid_until": "2026-11-23"},
        ),
        Rule(
            "food_establishments.last_inspected_on.not_future",
            "accurate",
            "error",
            "Ngày kiểm tra ở tương lai",
            "last_inspected_on is in the future",
            ("last_inspected_on",),
            check=lambda df, ctx: checks.not_after(df["last_inspected_on"], ctx.as_of),
            breaks=lambda row, ctx: {"last_inspected_on": "2027-01-05"},
        ),
    ),
)
