"""tiem_chung: `immunizations`, one vaccine dose given per row (every province; key:
record_id). A newborn may not have a personal id yet."""

from __future__ import annotations

from validations import checks
from validations.datasets import define
from validations.model import Column, Rule
from validations.person_rules import birth_year_matches_id

VACCINES = ("BCG", "HEPB", "DPT_VGB_HIB", "OPV", "IPV", "MR", "MEASLES", "JE", "DPT", "ROTA", "PCV")

DATASET = define(
    id="immunizations",
    database_id="tiem_chung",
    delivered_by="province",
    key=("record_id",),
    description_vi="Mũi tiêm chủng",
    description_en="Vaccine doses given",
    example={
        "record_id": "TC2611240100000001",
        "person_id": "001225012345",
        "birth_date": "2025-03-02",
        "vaccine_code": "DPT_VGB_HIB",
        "dose_number": "2",
        "vaccinated_on": "2025-07-02",
        "facility_code": "01001",
        "province_code": "01",
        "commune_code": "00070",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        Column(
            "record_id",
            "code",
            "Id of the immunisation record",
            vi=("mã bản ghi", "mã mũi tiêm"),
            required=True,
        ),
        Column(
            "person_id",
            "person_id",
            "Vaccinated person's id (a newborn may have none yet); pseudonymised in the warehouse",
            vi=("số định danh", "số CCCD"),
            pii="pseudonymise",
        ),
        Column(
            "birth_date",
            "date",
            "Vaccinated person's date of birth",
            vi=("ngày sinh",),
            required=True,
        ),
        Column(
            "vaccine_code",
            "enum",
            "Vaccine given (national expanded-programme codes)",
            vi=("mã vắc xin", "loại vắc xin"),
            required=True,
            values=VACCINES,
            synonyms={
                "lao": "BCG",
                "viêm gan b": "HEPB",
                "5 trong 1": "DPT_VGB_HIB",
                "bại liệt uống": "OPV",
                "bại liệt tiêm": "IPV",
                "sởi - rubella": "MR",
                "sởi": "MEASLES",
                "viêm não nhật bản": "JE",
                "bạch hầu - ho gà - uốn ván": "DPT",
                "rota": "ROTA",
                "phế cầu": "PCV",
            },
        ),
        Column(
            "dose_number",
            "int",
            "Dose of the vaccine's schedule (1–5)",
            vi=("mũi số", "mũi thứ"),
            required=True,
        ),
        Column(
            "vaccinated_on", "date", "Date the dose was given", vi=("ngày tiêm",), required=True
        ),
        Column(
            "facility_code",
            "code",
            "Facility that gave the dose (MA_CSKCB)",
            vi=("mã cơ sở tiêm chủng", "mã cơ sở"),
            required=True,
            width=5,
        ),
        Column(
            "province_code",
            "province",
            "Current province code of the person's residence",
            vi=("mã tỉnh",),
            required=True,
            width=2,
        ),
        Column(
            "commune_code",
            "commune",
            "Commune code of the person's residence",
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
            "immunizations.dose_number.range",
            "accurate",
            "error",
            "Mũi số phải từ 1 đến 5",
            "dose_number must be between 1 and 5",
            ("dose_number",),
            check=lambda df, ctx: checks.in_range(df["dose_number"], 1, 5),
            breaks=lambda row, ctx: {"dose_number": "6"},
        ),
        Rule(
            "immunizations.vaccinated_on.after_birth",
            "accurate",
            "error",
            "Ngày tiêm trước ngày sinh",
            "vaccinated_on is before birth_date",
            ("vaccinated_on", "birth_date"),
            check=lambda df, ctx: checks.on_or_after(df["vaccinated_on"], df["birth_date"]),
            breaks=lambda row, ctx: {"vaccinated_on": "2025-03-01"},
        ),
        Rule(
            "immunizations.vaccinated_on.not_future",
            "accurate",
            "error",
            "Ngày tiêm ở tương lai",
            "vaccinated_on is in the future",
            ("vaccinated_on",),
            check=lambda df, ctx: checks.not_after(df["vaccinated_on"], ctx.as_of),
            breaks=lambda row, ctx: {"vaccinated_on": "2027-01-01"},
        ),
        birth_year_matches_id(
            "immunizations",
            "person_id",
            "birth_date",
            broken="2022-03-02",
        ),
        Rule(
            "immunizations.facility_code.exists",
            "accurate",
            "error",
            "Mã cơ sở tiêm chủng không có trong danh mục cơ sở khám chữa bệnh",
            "facility_code is not in the facilities register",
            ("facility_code",),
            kind="reference",
            references=("facilities", "facility_code"),
        ),
        # Last rule of the dataset: it counts only the rows no error rule has failed.
        Rule(
            "immunizations.doses.consistent",
            "accurate",
            "warning",
            "Số mũi n+1 đã tiêm nhiều hơn số mũi n (cùng tỉnh, cùng vắc xin) trong lần gửi",
            "More doses n+1 than doses n of a vaccine in a province's delivery "
            "(rows of dose n+1 flagged)",
            ("province_code", "vaccine_code", "dose_number"),
            kind="sql",
            sql="immunizations.dose_consistency",
        ),
    ),
)
