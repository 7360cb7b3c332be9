"""bao_tro_xa_hoi: `social_protection`, one beneficiary of a monthly social allowance per
row (every province; key: beneficiary_id)."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import define
from validations.model import Column, Context, Rule
from validations.person_rules import birth_year_matches_id


def _elderly_old_enough(df: pd.DataFrame, ctx: Context) -> pd.Series:
    # Eligibility is judged on the day the benefit started (the run date if not given).
    on = df["benefit_start"].fillna(pd.Timestamp(ctx.run_date))
    age = checks.age_in_years(df["birth_date"], on)
    too_young = (df["category"] == "elderly") & (age < ctx.elderly_age)
    return checks.passes(~too_young)


DATASET = define(
    id="social_protection",
    database_id="bao_tro_xa_hoi",
    delivered_by="province",
    key=("beneficiary_id",),
    description_vi="Đối tượng hưởng trợ cấp xã hội hằng tháng",
    description_en="Beneficiaries of monthly social allowances",
    example={
        "beneficiary_id": "BTXH01000001",
        "person_id": "001145012345",
        "birth_date": "1945-04-30",
        "category": "elderly",
        "benefit_start": "2024-01-01",
        "benefit_end": "",
        "monthly_amount": "500000",
        "province_code": "01",
        "commune_code": "00070",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        Column(
            "beneficiary_id",
            "code",
            "Beneficiary id in the provincial register",
            vi=("mã đối tượng", "mã người hưởng"),
            required=True,
        ),
        Column(
            "person_id",
            "person_id",
            "Beneficiary's person id; pseudonymised in the warehouse",
            vi=("số định danh", "số CCCD"),
            required=True,
            pii="pseudonymise",
        ),
        Column(
            "birth_date", "date", "Beneficiary's date of birth", vi=("ngày sinh",), required=True
        ),
        Column(
            "category",
            "enum",
            "Category of beneficiary; `elderly` needs the configured age (75 by default)",
            vi=("diện đối tượng", "nhóm đối tượng"),
            required=True,
            values=("elderly", "disability", "orphan", "poor_household", "other"),
            synonyms={
                "người cao tuổi": "elderly",
                "người khuyết tật": "disability",
                "trẻ mồ côi": "orphan",
                "hộ nghèo": "poor_household",
                "khác": "other",
            },
        ),
        Column(
            "benefit_start",
            "date",
            "First day of the benefit",
            vi=("ngày bắt đầu hưởng",),
            required=True,
        ),
        Column(
            "benefit_end",
            "date",
            "Last day of the benefit (empty while it lasts)",
            vi=("ngày kết thúc hưởng",),
        ),
        Column(
            "monthly_amount",
            "money",
            "Monthly allowance, VND",
            vi=("mức hưởng hằng tháng", "số tiền hằng tháng"),
            required=True,
        ),
        Column(
            "province_code",
            "province",
            "Current province code of the beneficiary",
            vi=("mã tỉnh",),
            required=True,
            width=2,
        ),
        Column(
            "commune_code",
            "commune",
            "Commune code of the beneficiary",
            vi=("mã xã",),
            required=True,
            width=5,
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
            "social_protection.category.elderly_age",
            "accurate",
            "error",
            "Diện người cao tuổi nhưng chưa đủ tuổi theo quy định khi bắt đầu hưởng",
            "category elderly but younger than the configured age when the benefit started",
            ("category", "birth_date", "benefit_start"),
            check=_elderly_old_enough,
            breaks=lambda row, ctx: {"person_id": "001160012345", "birth_date": "1960-01-01"},
        ),
        Rule(
            "social_protection.benefit_end.after_start",
            "accurate",
            "error",
            "Ngày kết thúc hưởng trước ngày bắt đầu hưởng",
            "benefit_end is before benefit_start",
            ("benefit_end", "benefit_start"),
            check=lambda df, ctx: checks.on_or_after(df["benefit_end"], df["benefit_start"]),
            breaks=lambda row, ctx: {"benefit_end": "2023-12-31"},
        ),
        Rule(
            "social_protection.monthly_amount.positive",
            "accurate",
            "error",
            "Mức hưởng hằng tháng phải lớn hơn 0",
            "monthly_amount must be greater than 0",
            ("monthly_amount",),
            check=lambda df, ctx: (
                checks.passes(df["monthly_amount"] > 0) | df["monthly_amount"].isna()
            ),
            breaks=lambda row, ctx: {"monthly_amount": "0"},
        ),
        birth_year_matches_id(
            "social_protection",
            "person_id",
            "birth_date",
            broken="1943-04-30",
        ),
        Rule(
            "social_protection.person_id.dead",
            "up_to_date",
            "warning",
            "Đang hưởng trợ cấp nhưng đã có giấy báo tử",
            "An active benefit for a person recorded as dead",
            ("person_id", "benefit_end"),
            kind="sql",
            sql="social_protection.dead_beneficiary",
            needs=("deaths",),
        ),
    ),
)
