"""kcb: `visit_drugs`, the drug lines of a treatment episode (claims table XML2,
`CHI_TIET_THUOC`, QĐ 130/QĐ-BYT as amended by QĐ 4750 and QĐ 3176). Key: facility_code +
visit_id + line_no. Delivered in a claims package with its visit (XML1): the episode rules
(orphan line, a visit quarantined taking its lines) are in `validations.episode`."""

from __future__ import annotations

from validations.datasets import define
from validations.episode import (
    closing_columns,
    key_columns,
    line_rules,
    money_columns,
    timing_rules,
)
from validations.model import Column, Rule

DRUG_GROUPS = ("4", "5", "6", "7", "17")  # MA_NHOM: drugs on / off list, by ratio, blood...

DATASET = define(
    id="visit_drugs",
    database_id="kcb",
    delivered_by="province",
    key=("facility_code", "visit_id", "line_no"),
    description_vi="Dòng thuốc của hồ sơ khám chữa bệnh (bảng XML2)",
    description_en="Drug lines of a treatment episode (claims XML2 table)",
    example={
        "visit_id": "2611240100000001",
        "line_no": "1",
        "facility_code": "01001",
        "drug_code": "40.17",
        "drug_group": "4",
        "drug_name": "Paracetamol 500mg",
        "unit": "viên",
        "strength": "500mg",
        "route": "2.10",
        "dosage": "1 viên/lần x 2 lần/ngày",
        "registration_no": "VD-12345-19",
        "tender_ref": "G1;N1;2026",
        "quantity": "20",
        "unit_price": "1500",
        "amount": "30000",
        "insured_amount": "30000",
        "coverage_pct": "100",
        "insurance_paid": "24000",
        "patient_copay": "6000",
        "patient_paid": "0",
        "other_paid": "0",
        "prescriber_license_no": "001234/BYT-CCHN",
        "ordered_at": "2026-11-20 09:00:00",
        "executed_at": "2026-11-20 09:30:00",
        "has_visit": "true",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        *key_columns(),
        Column("drug_code", "code", "Drug code (MA_THUOC)", vi=("MA_THUOC",), required=True),
        Column(
            "drug_group",
            "enum",
            "Cost group (MA_NHOM): 4 on list, 5 off list, 6 paid by ratio, 7 blood, "
            "17 blood products",
            vi=("MA_NHOM",),
            required=True,
            values=DRUG_GROUPS,
            synonyms={f"0{g}": g for g in DRUG_GROUPS if len(g) == 1},
        ),
        Column("drug_name", "text", "Drug name (TEN_THUOC)", vi=("TEN_THUOC",), required=True),
        Column("unit", "text", "Unit (DON_VI_TINH)", vi=("DON_VI_TINH",)),
        Column("strength", "text", "Strength (HAM_LUONG)", vi=("HAM_LUONG",)),
        Column("route", "code", "Route of administration (DUONG_DUNG)", vi=("DUONG_DUNG",)),
        Column("dosage", "text", "Dosage (LIEU_DUNG)", vi=("LIEU_DUNG",)),
        Column(
            "registration_no",
            "code",
            "Marketing registration of the drug (SO_DANG_KY)",
            vi=("SO_DANG_KY",),
        ),
        Column("tender_ref", "text", "Tender reference (TT_THAU)", vi=("TT_THAU",)),
        *money_columns(),
        Column(
            "prescriber_license_no",
            "code",
            "Practising licence of the prescriber (MA_BAC_SI)",
            vi=("MA_BAC_SI",),
        ),
        Column(
            "ordered_at",
            "datetime",
            "When the drug was ordered (NGAY_YL)",
            vi=("NGAY_YL",),
            required=True,
        ),
        Column(
            "executed_at",
            "datetime",
            "When the order was carried out (NGAY_TH_YL)",
            vi=("NGAY_TH_YL",),
        ),
        *closing_columns(),
    ),
    rules=(
        *line_rules("visit_drugs", "coverage_pct"),
        *timing_rules("visit_drugs"),
        Rule(
            "visit_drugs.registration_no.exists",
            "accurate",
            "error",
            "Thuốc nhóm 4–6 có SO_DANG_KY không có trong danh mục thuốc hay thuốc cổ truyền",
            "A group 4–6 drug's registration_no is not in the drugs or herbal products register",
            ("registration_no", "drug_group"),
            kind="sql",
            sql="visit_drugs.registration_exists",
            needs=("drugs", "herbal_products"),
        ),
        # A warning, as for prescriptions: the drug was given; the expired registration is a
        # fact about the drug, not a reason to hide the line.
        Rule(
            "visit_drugs.registration_no.valid_on_order",
            "up_to_date",
            "warning",
            "Số đăng ký thuốc đã hết hiệu lực vào ngày y lệnh (NGAY_YL)",
            "The drug's registration had expired on the day it was ordered",
            ("registration_no", "ordered_at"),
            kind="sql",
            sql="visit_drugs.registration_valid",
            needs=("drugs", "herbal_products"),
        ),
        Rule(
            "visit_drugs.prescriber_license_no.exists",
            "accurate",
            "error",
            "MA_BAC_SI không có trong danh mục người hành nghề",
            "prescriber_license_no is not in the practitioners register",
            ("prescriber_license_no",),
            kind="reference",
            references=("practitioners", "license_no"),
        ),
    ),
)
