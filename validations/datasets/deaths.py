"""bao_tu: `deaths`, one death notice (giấy báo tử) per row (every province; key:
notice_no). Visits and social protection check their people against it."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import define
from validations.datasets.births import PLACES
from validations.model import Column, Context, Rule
from validations.person_rules import birth_year_matches_id


def _facility_given(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return checks.required_when(df["facility_code"], df["place"] == "facility")


DATASET = define(
    id="deaths",
    database_id="bao_tu",
    delivered_by="province",
    key=("notice_no",),
    description_vi="Giấy báo tử",
    description_en="Death notices",
    example={
        "notice_no": "BT2611240100001",
        "person_id": "001040012345",
        "birth_date": "1940-02-11",
        "died_at": "2026-11-18 22:40",
        "cause_icd10": "I63.9",
        "place": "facility",
        "facility_code": "01001",
        "province_code": "01",
        "commune_code": "00070",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        Column("notice_no", "code", "Death notice number", vi=("số giấy báo tử",), required=True),
        Column(
            "person_id",
            "person_id",
            "The deceased's person id; pseudonymised in the warehouse",
            vi=("số định danh", "số CCCD"),
            required=True,
            pii="pseudonymise",
        ),
        Column(
            "birth_date", "date", "The deceased's date of birth", vi=("ngày sinh",), required=True
        ),
        Column(
            "died_at",
            "datetime",
            "Date and time of death, local time",
            vi=("thời điểm tử vong", "ngày giờ chết", "ngày mất"),
            required=True,
        ),
        Column(
            "cause_icd10",
            "code",
            "Underlying cause of death, ICD-10",
            vi=("nguyên nhân tử vong (ICD-10)", "mã ICD nguyên nhân"),
        ),
        Column(
            "place",
            description="Where the death happened",
            vi=("nơi chết", "nơi tử vong"),
            required=True,
            **PLACES,
        ),
        Column(
            "facility_code",
            "code",
            "Facility of death (MA_CSKCB), when died in one",
            vi=("mã cơ sở",),
            width=5,
        ),
        Column(
            "province_code",
            "province",
            "Current province code of the death registration",
            vi=("mã tỉnh",),
            required=True,
            width=2,
        ),
        Column(
            "commune_code",
            "commune",
            "Commune code of the death registration",
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
            "deaths.died_at.after_birth",
            "accurate",
            "error",
            "Thời điểm tử vong trước ngày sinh",
            "died_at is before birth_date",
            ("died_at", "birth_date"),
            check=lambda df, ctx: checks.on_or_after(df["died_at"], df["birth_date"]),
            breaks=lambda row, ctx: {"died_at": "1940-01-01 08:00"},
        ),
        Rule(
            "deaths.died_at.not_future",
            "accurate",
            "error",
            "Thời điểm tử vong ở tương lai",
            "died_at is in the future",
            ("died_at",),
            check=lambda df, ctx: checks.not_after(df["died_at"], ctx.as_of),
            breaks=lambda row, ctx: {"died_at": "2026-12-30 08:00"},
        ),
        birth_year_matches_id(
            "deaths",
            "person_id",
            "birth_date",
            broken="1937-02-01",
        ),
        Rule(
            "deaths.cause_icd10.format",
            "accurate",
            "error",
            "Nguyên nhân tử vong không đúng định dạng ICD-10",
            "cause_icd10 is not an ICD-10 code",
            ("cause_icd10",),
            check=lambda df, ctx: checks.matches(df["cause_icd10"], checks.ICD10),
            breaks=lambda row, ctx: {"cause_icd10": "J189X"},
        ),
        Rule(
            "deaths.facility_code.required_at_facility",
            "sufficient",
            "error",
            "Tử vong tại cơ sở y tế nhưng thiếu mã cơ sở",
            "facility_code is required when the place of death is a facility",
            ("facility_code", "place"),
            check=_facility_given,
            breaks=lambda row, ctx: {"facility_code": ""},
        ),
        Rule(
            "deaths.facility_code.exists",
            "accurate",
            "error",
            "Mã cơ sở nơi tử vong không có trong danh mục cơ sở khám chữa bệnh",
            "facility_code is not in the facilities register",
            ("facility_code",),
            kind="reference",
            references=("facilities", "facility_code"),
        ),
    ),
)
