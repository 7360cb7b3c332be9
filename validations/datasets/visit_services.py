"""kcb: `visit_services`, the service and supply lines of a treatment episode (claims
table XML3, `CHI_TIET_DVKT`, QĐ 130/QĐ-BYT as amended by QĐ 4750 and QĐ 3176). Key:
facility_code + visit_id + line_no. The rules shared with the drug lines are in
`validations.episode`."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import define
from validations.episode import (
    closing_columns,
    key_columns,
    line_rules,
    money_columns,
    not_before,
    timing_rules,
)
from validations.model import Column, Context, Rule

GROUPS = tuple(str(g) for g in (1, 2, 3, *range(8, 19)))  # MA_NHOM of XML3
SUPPLY_GROUPS = frozenset({"10", "11"})
BED_GROUPS = frozenset({"14", "15", "16"})
BED_CODE = r"[HTCK][0-9]{3}"


def _one_code(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return checks.passes(df["service_code"].notna() != df["supply_code"].notna())


def _supply_code_for_supplies(df: pd.DataFrame, ctx: Context) -> pd.Series:
    supply = df["service_group"].isin(SUPPLY_GROUPS)
    ok = supply == df["supply_code"].notna()
    return checks.passes(ok) | df["service_group"].isna()


def _bed_code_for_beds(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return checks.required_when(
        df["bed_code"], df["service_group"].isin(BED_GROUPS), df.get("bed_code__raw")
    )


DATASET = define(
    id="visit_services",
    database_id="kcb",
    delivered_by="province",
    key=("facility_code", "visit_id", "line_no"),
    description_vi="Dòng dịch vụ kỹ thuật, vật tư của hồ sơ khám chữa bệnh (bảng XML3)",
    description_en="Service and supply lines of a treatment episode (claims XML3 table)",
    example={
        "visit_id": "2611240100000001",
        "line_no": "1",
        "facility_code": "01001",
        "service_code": "02.1896",
        "supply_code": "",
        "service_group": "15",
        "name": "Giường Nội khoa loại 1",
        "supply_name": "",
        "unit": "ngày",
        "quantity": "2",
        "unit_price": "250000",
        "insured_unit_price": "250000",
        "amount": "500000",
        "insured_amount": "500000",
        "insurance_paid": "400000",
        "patient_copay": "100000",
        "patient_paid": "0",
        "other_paid": "0",
        "department": "K03",
        "bed_code": "H012",
        "doctor_license_no": "001234/BYT-CCHN",
        "performed_by": "001234/BYT-CCHN",
        "ordered_at": "2026-11-20 09:00:00",
        "executed_at": "2026-11-20 09:30:00",
        "result_at": "2026-11-20 10:00:00",
        "has_visit": "true",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        *key_columns(),
        Column("service_code", "code", "Service code (MA_DICH_VU)", vi=("MA_DICH_VU",)),
        Column("supply_code", "code", "Medical supply code (MA_VAT_TU)", vi=("MA_VAT_TU",)),
        Column(
            "service_group",
            "enum",
            "Cost group (MA_NHOM): 1 lab, 2 imaging, 3 functional tests, 8 procedures, "
            "9 ratio-paid services, 10 supplies, 11 ratio-paid supplies, 12 transport, "
            "13 examination, 14 day bed, 15 inpatient bed, 16 other bed, 17 blood products, "
            "18 whole-package surgery",
            vi=("MA_NHOM",),
            required=True,
            values=GROUPS,
            synonyms={f"0{g}": g for g in GROUPS if len(g) == 1},
        ),
        # A service line names its service, a supply line its supply: two tags, one of them
        # required (`name.required`).
        Column("name", "text", "Name of the service (TEN_DICH_VU)", vi=("TEN_DICH_VU",)),
        Column("supply_name", "text", "Name of the supply (TEN_VAT_TU)", vi=("TEN_VAT_TU",)),
        Column("unit", "text", "Unit (DON_VI_TINH)", vi=("DON_VI_TINH",)),
        *money_columns(price_tags=("DON_GIA_BV", "DON_GIA"), coverage=False),
        Column(
            "insured_unit_price",
            "money",
            "Unit price paid by insurance, VND (DON_GIA_BH)",
            vi=("DON_GIA_BH",),
        ),
        Column("department", "code", "Department (MA_KHOA)", vi=("MA_KHOA",)),
        Column("bed_code", "code", "Bed (MA_GIUONG): H, T, C or K and 3 digits", vi=("MA_GIUONG",)),
        Column(
            "doctor_license_no",
            "code",
            "Practising licence of the ordering doctor (MA_BAC_SI)",
            vi=("MA_BAC_SI",),
        ),
        Column(
            "performed_by",
            "code",
            "Who performed the service (NGUOI_THUC_HIEN)",
            vi=("NGUOI_THUC_HIEN",),
        ),
        Column(
            "ordered_at",
            "datetime",
            "When the service was ordered (NGAY_YL)",
            vi=("NGAY_YL",),
            required=True,
        ),
        Column(
            "executed_at",
            "datetime",
            "When the order was carried out (NGAY_TH_YL)",
            vi=("NGAY_TH_YL",),
        ),
        Column("result_at", "datetime", "When the result came (NGAY_KQ)", vi=("NGAY_KQ",)),
        *closing_columns(),
    ),
    rules=(
        Rule(
            "visit_services.code.exactly_one",
            "sufficient",
            "error",
            "Phải có đúng một trong MA_DICH_VU và MA_VAT_TU",
            "Exactly one of service_code and supply_code must be given",
            ("service_code", "supply_code"),
            check=_one_code,
            breaks=lambda row, ctx: {"service_code": ""},
        ),
        Rule(
            "visit_services.name.required",
            "sufficient",
            "error",
            "Thiếu tên dịch vụ (TEN_DICH_VU) hoặc tên vật tư (TEN_VAT_TU)",
            "Neither name (TEN_DICH_VU) nor supply_name (TEN_VAT_TU) is given",
            ("name", "supply_name"),
            check=lambda df, ctx: checks.passes(df["name"].notna() | df["supply_name"].notna()),
            breaks=lambda row, ctx: {"name": ""},
        ),
        Rule(
            "visit_services.supply_code.group",
            "accurate",
            "error",
            "MA_VAT_TU chỉ có ở nhóm 10, 11 và nhóm 10, 11 phải có MA_VAT_TU",
            "supply_code is given exactly for groups 10 and 11",
            ("service_group", "supply_code"),
            check=_supply_code_for_supplies,
            breaks=lambda row, ctx: {"service_group": "10", "bed_code": ""},
        ),
        Rule(
            "visit_services.bed_code.format",
            "accurate",
            "error",
            "MA_GIUONG phải là H, T, C hoặc K và 3 chữ số",
            "bed_code must be H, T, C or K followed by 3 digits",
            ("bed_code",),
            check=lambda df, ctx: checks.matches(df["bed_code"], BED_CODE),
            breaks=lambda row, ctx: {"bed_code": "G12"},
        ),
        Rule(
            "visit_services.bed_code.required_for_beds",
            "sufficient",
            "error",
            "Dịch vụ giường (nhóm 14–16) thiếu MA_GIUONG",
            "A bed line (groups 14–16) has no bed_code",
            ("service_group", "bed_code"),
            check=_bed_code_for_beds,
            breaks=lambda row, ctx: {"bed_code": ""},
        ),
        Rule(
            "visit_services.insured_unit_price.within_price",
            "accurate",
            "error",
            "DON_GIA_BH lớn hơn DON_GIA_BV",
            "insured_unit_price is greater than unit_price",
            ("insured_unit_price", "unit_price"),
            check=lambda df, ctx: (
                checks.passes(df["insured_unit_price"] <= df["unit_price"])
                | checks.either_missing(df["insured_unit_price"], df["unit_price"])
            ),
            breaks=lambda row, ctx: {"insured_unit_price": "260000"},
        ),
        *line_rules("visit_services", None),
        *timing_rules("visit_services"),
        Rule(
            "visit_services.result_at.after_execution",
            "accurate",
            "error",
            "Ngày có kết quả (NGAY_KQ) trước ngày thực hiện (NGAY_TH_YL)",
            "result_at is before executed_at",
            ("executed_at", "result_at"),
            check=lambda df, ctx: not_before(df["result_at"], df["executed_at"]),
            breaks=lambda row, ctx: {"result_at": "2026-11-20 09:15:00"},
        ),
        Rule(
            "visit_services.doctor_license_no.exists",
            "accurate",
            "error",
            "MA_BAC_SI không có trong danh mục người hành nghề",
            "doctor_license_no is not in the practitioners register",
            ("doctor_license_no",),
            kind="reference",
            references=("practitioners", "license_no"),
        ),
    ),
)
