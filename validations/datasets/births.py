"""chung_sinh: `births`, one birth certificate (giấy chứng sinh) per row (every province;
key: certificate_no)."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import SEX, define
from validations.model import Column, Context, EnumSpec, Rule
from validations.person_rules import birth_year_matches_id

PLACES: EnumSpec = dict(
    type="enum",
    values=("facility", "home", "other"),
    synonyms={
        "cơ sở y tế": "facility",
        "tại cơ sở y tế": "facility",
        "tại nhà": "home",
        "nhà": "home",
        "khác": "other",
    },
)


def _facility_given(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return checks.required_when(df["facility_code"], df["place"] == "facility")


DATASET = define(
    id="births",
    database_id="chung_sinh",
    delivered_by="province",
    key=("certificate_no",),
    description_vi="Giấy chứng sinh",
    description_en="Birth certificates",
    example={
        "certificate_no": "CS2611240100001",
        "mother_id": "001195012345",
        "mother_birth_date": "1995-08-09",
        "born_at": "2026-11-20 03:15",
        "sex": "F",
        "weight_grams": "3100",
        "gestational_weeks": "39",
        "place": "facility",
        "facility_code": "01001",
        "province_code": "01",
        "commune_code": "00070",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        Column(
            "certificate_no",
            "code",
            "Birth certificate number",
            vi=("số giấy chứng sinh", "số GCS"),
            required=True,
        ),
        Column(
            "mother_id",
            "person_id",
            "Mother's person id; pseudonymised in the warehouse",
            vi=("số định danh của mẹ", "CCCD của mẹ"),
            required=True,
            pii="pseudonymise",
        ),
        Column(
            "mother_birth_date",
            "date",
            "Mother's date of birth",
            vi=("ngày sinh của mẹ",),
            required=True,
        ),
        Column(
            "born_at",
            "datetime",
            "Date and time of birth, local time",
            vi=("thời điểm sinh", "ngày giờ sinh"),
            required=True,
        ),
        Column(
            "sex", description="Child's sex: M, F or U", vi=("giới tính",), required=True, **SEX
        ),
        Column(
            "weight_grams",
            "int",
            "Birth weight in grams",
            vi=("cân nặng (gram)", "cân nặng"),
            required=True,
        ),
        Column(
            "gestational_weeks",
            "int",
            "Gestational age at birth, weeks",
            vi=("tuổi thai (tuần)", "tuổi thai"),
        ),
        Column(
            "place",
            description="Where the child was born",
            vi=("nơi sinh",),
            required=True,
            **PLACES,
        ),
        Column(
            "facility_code",
            "code",
            "Facility of birth (MA_CSKCB), when born in one",
            vi=("mã cơ sở",),
            width=5,
        ),
        Column(
            "province_code",
            "province",
            "Current province code of the birth registration",
            vi=("mã tỉnh",),
            required=True,
            width=2,
        ),
        Column(
            "commune_code",
            "commune",
            "Commune code of the birth registration",
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
            "births.mother_birth_date.age_at_birth",
            "accurate",
            "error",
            "Tuổi của mẹ khi sinh không nằm trong khoảng 10–60",
            "The mother's age at the birth is not between 10 and 60",
            ("mother_birth_date", "born_at"),
            check=lambda df, ctx: checks.age_between(
                df["mother_birth_date"], df["born_at"], 10, 60
            ),
            breaks=lambda row, ctx: {
                "mother_id": "001218012345",
                "mother_birth_date": "2018-01-01",
            },
        ),
        birth_year_matches_id(
            "births",
            "mother_id",
            "mother_birth_date",
            broken="1993-08-09",
            vi="Năm sinh của mẹ không khớp với chữ số 4–6 của số CCCD của mẹ",
            en="mother_birth_date does not agree with digits 4–6 of the mother's CCCD",
        ),
        Rule(
            "births.born_at.not_future",
            "accurate",
            "error",
            "Thời điểm sinh ở tương lai",
            "born_at is in the future",
            ("born_at",),
            check=lambda df, ctx: checks.not_after(df["born_at"], ctx.as_of),
            breaks=lambda row, ctx: {"born_at": "2026-12-20 03:00"},
        ),
        Rule(
            "births.weight_grams.range",
            "accurate",
            "error",
            "Cân nặng khi sinh ngoài khoảng 300–7000 gram",
            "weight_grams is outside 300–7000",
            ("weight_grams",),
            check=lambda df, ctx: checks.in_range(df["weight_grams"], 300, 7000),
            breaks=lambda row, ctx: {"weight_grams": "150"},
        ),
        Rule(
            "births.gestational_weeks.range",
            "accurate",
            "error",
            "Tuổi thai ngoài khoảng 20–45 tuần",
            "gestational_weeks is outside 20–45",
            ("gestational_weeks",),
            check=lambda df, ctx: checks.in_range(df["gestational_weeks"], 20, 45),
            breaks=lambda row, ctx: {"gestational_weeks": "19"},
        ),
        Rule(
            "births.facility_code.required_at_facility",
            "sufficient",
            "error",
            "Sinh tại cơ sở y tế nhưng thiếu mã cơ sở",
            "facility_code is required when the place of birth is a facility",
            ("facility_code", "place"),
            check=_facility_given,
            breaks=lambda row, ctx: {"facility_code": ""},
        ),
        Rule(
            "births.facility_code.exists",
            "accurate",
            "error",
            "Mã cơ sở nơi sinh không có trong danh mục cơ sở khám chữa bệnh",
            "facility_code is not in the facilities register",
            ("facility_code",),
            kind="reference",
            references=("facilities", "facility_code"),
        ),
    ),
)
