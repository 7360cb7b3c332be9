"""kcb: `visits`, one medical visit per row, shaped after the XML1 claims table
(QĐ 130/QĐ-BYT as amended by QĐ 4750/QĐ-BYT). Key: facility_code + visit_id."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import SEX, define
from validations.model import Breaker, Column, Context, RowCheck, Rule
from validations.person_rules import birth_year_matches_id, sex_matches_id

MONEY = ("total_cost", "insurance_paid", "patient_paid", "other_paid")
# A claims package's totals against the sums of the episode's delivered lines (the reader
# adds the sums: transforms.ingest.readers.claims): (rule, total, sum, vi, en).
RECONCILED = (
    (
        "drug_total",
        "lines_drug_amount",
        "T_THUOC khác tổng THANH_TIEN_BV các dòng thuốc XML2 của hồ sơ (lệch quá 1 đồng)",
        "drug_total (T_THUOC) differs from the sum of the episode's XML2 drug line amounts "
        "(THANH_TIEN_BV) by more than 1 VND",
    ),
    (
        "supply_total",
        "lines_supply_amount",
        "T_VTYT khác tổng THANH_TIEN_BV các dòng vật tư XML3 (nhóm 10, 11) của hồ sơ "
        "(lệch quá 1 đồng)",
        "supply_total (T_VTYT) differs from the sum of the episode's XML3 supply line amounts "
        "(groups 10, 11) by more than 1 VND",
    ),
    (
        "total_cost",
        "lines_amount",
        "T_TONGCHI_BV khác tổng THANH_TIEN_BV mọi dòng XML2 và XML3 của hồ sơ (lệch quá 1 đồng)",
        "total_cost (T_TONGCHI_BV) differs from the sum of all the episode's XML2 and XML3 "
        "line amounts by more than 1 VND",
    ),
)


def _reconciles(total: str, lines: str) -> RowCheck:
    def check(df: pd.DataFrame, ctx: Context) -> pd.Series:
        ok = (df[total] - df[lines]).abs() <= 1
        return checks.passes(ok) | checks.either_missing(df[total], df[lines])

    return check


def _mismatch(lines: str) -> Breaker:
    return lambda row, ctx: {lines: "1"}


def _reconciliation_rules() -> tuple[Rule, ...]:
    return tuple(
        Rule(
            f"visits.{total}.matches_lines",
            "accurate",
            "error",
            vi,
            en,
            (total, lines),
            check=_reconciles(total, lines),
            breaks=_mismatch(lines),
        )
        for total, lines, vi, en in RECONCILED
    )


def _costs_add_up(df: pd.DataFrame, ctx: Context) -> pd.Series:
    paid = df["insurance_paid"] + df["patient_paid"] + df["other_paid"].fillna(0)
    ok = (paid - df["total_cost"]).abs() <= 1
    return checks.passes(ok) | checks.either_missing(paid, df["total_cost"])


def _non_negative(df: pd.DataFrame, ctx: Context) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    for col in MONEY:
        ok &= checks.in_range(df[col], low=0)
    return ok


def _long_stay(df: pd.DataFrame, ctx: Context) -> pd.Series:
    stay = df["discharged_at"] - df["admitted_at"]
    return checks.passes(stay <= pd.Timedelta(days=365)) | stay.isna()


DATASET = define(
    id="visits",
    database_id="kcb",
    delivered_by="province",
    key=("facility_code", "visit_id"),
    description_vi="Lượt khám bệnh, chữa bệnh (bảng XML1)",
    description_en="Medical visits (claims XML1 summary table)",
    example={
        "visit_id": "2611240100000001",
        "facility_code": "01001",
        "patient_id": "001090012345",
        "patient_name": "Nguyễn Văn An",
        "birth_date": "1990-05-17",
        "sex": "M",
        "insurance_card": "DN4010123456789",
        "visit_type": "01",
        "admitted_at": "2026-11-20 08:30:00",
        "discharged_at": "2026-11-22 10:00:00",
        "icd10_main": "J18.9",
        "icd10_secondary": "I10;E11.9",
        "total_cost": "1000000",
        "insurance_paid": "800000",
        "patient_paid": "200000",
        "other_paid": "0",
        "province_code": "01",
        "commune_code": "00070",
        "updated_at": "2026-11-24 09:00:00",
        "drug_total": "300000",
        "supply_total": "100000",
        "lines_drug_amount": "300000",
        "lines_supply_amount": "100000",
        "lines_amount": "1000000",
        "treatment_result": "1",
    },
    columns=(
        Column(
            "visit_id", "code", "Visit id within the facility (MA_LK)", vi=("MA_LK",), required=True
        ),
        Column(
            "facility_code",
            "code",
            "Facility where the visit took place (MA_CSKCB)",
            vi=("MA_CSKCB",),
            required=True,
            width=5,
        ),
        Column(
            "patient_id",
            "person_id",
            "Patient's person id, pseudonymised in the warehouse "
            "(keyed hash of the CCCD, stable across nights)",
            vi=("SO_CCCD",),
            required=True,
            pii="pseudonymise",
        ),
        Column(
            "patient_name",
            "text",
            "Patient's name; withheld from the analysts' warehouse",
            vi=("HO_TEN",),
            required=True,
            pii="withhold",
        ),
        Column("birth_date", "date", "Patient's date of birth", vi=("NGAY_SINH",), required=True),
        Column(
            "sex", description="Patient's sex: M, F or U", vi=("GIOI_TINH",), required=True, **SEX
        ),
        Column(
            "insurance_card",
            "code",
            "Health-insurance card number(s), `;`-joined; pseudonymised in the warehouse",
            vi=("MA_THE_BHYT",),
            pii="pseudonymise",
        ),
        Column(
            "visit_type",
            "enum",
            "Kind of visit (MA_LOAI_KCB, 01–09)",
            vi=("MA_LOAI_KCB",),
            required=True,
            width=2,
            values=tuple(f"{i:02d}" for i in range(1, 10)),
        ),
        Column(
            "admitted_at",
            "datetime",
            "Admission time (NGAY_VAO), local time",
            vi=("NGAY_VAO",),
            required=True,
        ),
        Column(
            "discharged_at",
            "datetime",
            "Discharge time (NGAY_RA), local time",
            vi=("NGAY_RA",),
            required=True,
        ),
        Column(
            "icd10_main",
            "code",
            "Main diagnosis, ICD-10 (MA_BENH_CHINH)",
            vi=("MA_BENH_CHINH",),
            required=True,
        ),
        Column(
            "icd10_secondary",
            "code",
            "Other diagnoses, ICD-10, `;`-joined (MA_BENH_KT)",
            vi=("MA_BENH_KT",),
        ),
        Column(
            "total_cost",
            "money",
            "Total cost, VND (T_TONGCHI_BV)",
            vi=("T_TONGCHI_BV", "T_TONGCHI"),
            required=True,
        ),
        Column(
            "insurance_paid",
            "money",
            "Paid by health insurance, VND (T_BHTT)",
            vi=("T_BHTT",),
            required=True,
        ),
        Column(
            "patient_paid",
            "money",
            "Paid by the patient, VND (T_BNCCT + T_BNTT)",
            vi=("tiền người bệnh trả",),
            required=True,
            sum_of=("T_BNCCT", "T_BNTT"),
        ),
        Column(
            "other_paid", "money", "Paid from other sources, VND (T_NGUONKHAC)", vi=("T_NGUONKHAC",)
        ),
        Column(
            "province_code",
            "province",
            "Province of the patient's residence (MATINH_CU_TRU)",
            vi=("MATINH_CU_TRU",),
            required=True,
            width=2,
        ),
        Column(
            "commune_code",
            "commune",
            "Commune of the patient's residence (MAXA_CU_TRU)",
            vi=("MAXA_CU_TRU",),
            width=5,
        ),
        Column(
            "updated_at",
            "datetime",
            "When the source system last changed the record",
            vi=("NGAY_CAP_NHAT", "ngày cập nhật", "thời điểm cập nhật"),
            required=True,
        ),
        # The claims package's XML1 beyond the visit itself (DATASETS.md, the claims package).
        Column("drug_total", "money", "Cost of drugs, VND (T_THUOC)", vi=("T_THUOC",)),
        Column("supply_total", "money", "Cost of medical supplies, VND (T_VTYT)", vi=("T_VTYT",)),
        Column(
            "lines_drug_amount",
            "money",
            "Sum of the amounts of the episode's drug lines (XML2) as delivered in the claims "
            "package; empty when the visit did not come with its lines",
        ),
        Column(
            "lines_supply_amount",
            "money",
            "Sum of the amounts of the episode's supply lines (XML3 groups 10, 11) as delivered",
        ),
        Column(
            "lines_amount",
            "money",
            "Sum of the amounts of all the episode's lines (XML2 and XML3) as delivered",
        ),
        Column(
            "treatment_result",
            "code",
            "Result of treatment (KET_QUA_DTRI): 1 cured, 2 better, 3 unchanged, 4 worse, "
            "5 died, 6 discharged at the family's request with a grave prognosis, 7 unknown; "
            "empty when not delivered. Counts the visits ending in death that the facility "
            "deaths are compared with (plausibility pair facility_deaths_visits)",
            vi=("KET_QUA_DTRI", "kết quả điều trị"),
        ),
    ),
    rules=(
        Rule(
            "visits.visit_id.length",
            "accurate",
            "error",
            "MA_LK dài quá 100 ký tự",
            "visit_id is longer than 100 characters",
            ("visit_id",),
            check=lambda df, ctx: (
                df["visit_id"].isna() | checks.passes(df["visit_id"].str.len() <= 100)
            ),
            breaks=lambda row, ctx: {"visit_id": "x" * 101},
        ),
        Rule(
            "visits.facility_code.format",
            "accurate",
            "error",
            "Mã cơ sở (MA_CSKCB) phải gồm 5 chữ số",
            "facility_code must be 5 digits",
            ("facility_code",),
            check=lambda df, ctx: checks.matches(df["facility_code"], r"[0-9]{5}"),
            breaks=lambda row, ctx: {"facility_code": "0100A"},
        ),
        Rule(
            "visits.facility_code.province_prefix",
            "accurate",
            "error",
            "Hai chữ số đầu của mã cơ sở không phải mã tỉnh (cũ hoặc mới)",
            "The first two digits of facility_code are not a province code, old or new",
            ("facility_code",),
            check=lambda df, ctx: checks.province_prefix(
                df["facility_code"], ctx.province_codes, ctx.old_province_codes
            ),
            breaks=lambda row, ctx: {"facility_code": "99001"},
        ),
        Rule(
            "visits.facility_code.exists",
            "accurate",
            "error",
            "Mã cơ sở không có trong danh mục cơ sở khám chữa bệnh",
            "facility_code is not in the facilities register",
            ("facility_code",),
            kind="reference",
            references=("facilities", "facility_code"),
        ),
        Rule(
            "visits.birth_date.range",
            "accurate",
            "error",
            "Ngày sinh ở tương lai hoặc trước năm 1900",
            "birth_date is in the future or before 1900",
            ("birth_date",),
            check=lambda df, ctx: (
                checks.not_after(df["birth_date"], ctx.as_of)
                & checks.not_before(df["birth_date"], "1900-01-01")
            ),
            # No CCCD encodes a year before 1900: a legacy 9-digit id, so only the range fails.
            breaks=lambda row, ctx: {"birth_date": "1899-12-31", "patient_id": "987654320"},
        ),
        birth_year_matches_id(
            "visits",
            "patient_id",
            "birth_date",
            broken="1991-05-17",
        ),
        sex_matches_id("visits", "patient_id", broken="Nữ"),
        Rule(
            "visits.insurance_card.format",
            "accurate",
            "error",
            "Mã thẻ BHYT không đúng định dạng (2 chữ, 1 số 1–5, 12 số)",
            "insurance_card is not 2 letters, a digit 1–5 and 12 digits (each, `;`-joined)",
            ("insurance_card",),
            check=lambda df, ctx: checks.each_matches(df["insurance_card"], checks.INSURANCE_CARD),
            breaks=lambda row, ctx: {"insurance_card": "DN4010123456789;XX"},
        ),
        Rule(
            "visits.admitted_at.not_future",
            "accurate",
            "error",
            "Ngày vào viện ở tương lai",
            "admitted_at is in the future",
            ("admitted_at",),
            check=lambda df, ctx: checks.not_after(df["admitted_at"], ctx.as_of),
            breaks=lambda row, ctx: {
                "admitted_at": "2027-01-01 08:00",
                "discharged_at": "2027-01-02 08:00",
            },
        ),
        Rule(
            "visits.discharged_at.after_admission",
            "accurate",
            "error",
            "Ngày ra viện trước ngày vào viện",
            "discharged_at is before admitted_at",
            ("admitted_at", "discharged_at"),
            check=lambda df, ctx: (
                checks.passes(df["discharged_at"] >= df["admitted_at"])
                | checks.either_missing(df["discharged_at"], df["admitted_at"])
            ),
            breaks=lambda row, ctx: {"discharged_at": "2026-11-19 08:00"},
        ),
        Rule(
            "visits.stay.long",
            "accurate",
            "warning",
            "Thời gian điều trị dài hơn 365 ngày",
            "Stay longer than 365 days",
            ("admitted_at", "discharged_at"),
            check=_long_stay,
            breaks=lambda row, ctx: {"admitted_at": "2025-01-01 08:00"},
        ),
        Rule(
            "visits.icd10_main.format",
            "accurate",
            "error",
            "Mã bệnh chính không đúng định dạng ICD-10",
            "icd10_main is not an ICD-10 code",
            ("icd10_main",),
            check=lambda df, ctx: checks.matches(df["icd10_main"], checks.ICD10),
            breaks=lambda row, ctx: {"icd10_main": "J189"},
        ),
        Rule(
            "visits.icd10_secondary.format",
            "accurate",
            "error",
            "Mã bệnh kèm theo không đúng ICD-10 hoặc nhiều hơn 12 mã",
            "icd10_secondary has an invalid ICD-10 code or more than 12 codes",
            ("icd10_secondary",),
            check=lambda df, ctx: checks.each_matches(df["icd10_secondary"], checks.ICD10, most=12),
            breaks=lambda row, ctx: {
                "icd10_secondary": "I10;I10;I10;I10;I10;I10;I10;I10;I10;I10;I10;I10;I10"
            },
        ),
        Rule(
            "visits.costs.non_negative",
            "accurate",
            "error",
            "Số tiền không được âm",
            "Amounts must not be negative",
            MONEY,
            check=_non_negative,
            breaks=lambda row, ctx: {"other_paid": "-1", "insurance_paid": "800001"},
        ),
        Rule(
            "visits.costs.add_up",
            "accurate",
            "error",
            "T_BHTT + tiền người bệnh trả + T_NGUONKHAC khác T_TONGCHI_BV (lệch quá 1 đồng)",
            "insurance_paid + patient_paid + other_paid differs from total_cost by more than 1 VND",
            MONEY,
            check=_costs_add_up,
            breaks=lambda row, ctx: {"insurance_paid": "800002"},
        ),
        Rule(
            "visits.patient_name.placeholder",
            "clean",
            "warning",
            "Họ tên người bệnh là giá trị giữ chỗ (test, không rõ...)",
            "patient_name is a placeholder (test, unknown...)",
            ("patient_name",),
            check=lambda df, ctx: checks.not_placeholder_name(df["patient_name"]),
            breaks=lambda row, ctx: {"patient_name": "Không rõ"},
        ),
        Rule(
            "visits.admitted_at.after_death",
            "up_to_date",
            "warning",
            "Ngày vào viện sau thời điểm tử vong đã ghi nhận của người bệnh (giấy báo tử)",
            "The visit was admitted after the patient's recorded death",
            ("patient_id", "admitted_at"),
            kind="sql",
            sql="visits.after_death",
            needs=("deaths",),
        ),
        *_reconciliation_rules(),
    ),
)
