"""tthc: `procedures`, the ministry's catalogue of administrative procedures (moh; key:
procedure_code). Progress on decentralisation, the National Public Service Portal and
compliance costs is computed from it (progress.procedures_summary)."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import define
from validations.model import Column, Context, EnumSpec, Rule

ONLINE_LEVELS: EnumSpec = dict(
    type="enum",
    values=("full", "partial", "none"),
    synonyms={
        "toàn trình": "full",
        "một phần": "partial",
        "không": "none",
        "chưa cung cấp": "none",
    },
)


def _costs_non_negative(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return checks.in_range(df["baseline_cost"], low=0) & checks.in_range(df["current_cost"], low=0)


DATASET = define(
    id="procedures",
    database_id="tthc",
    delivered_by="moh",
    key=("procedure_code",),
    description_vi="Danh mục thủ tục hành chính thuộc phạm vi quản lý của Bộ Y tế",
    description_en="Catalogue of the Ministry of Health's administrative procedures",
    progress_sql=("procedures.progress_summary",),  # progress.procedures_summary
    example={
        "procedure_code": "1.012345",
        "procedure_name": "Cấp giấy phép hoạt động đối với phòng khám",
        "field": "Khám bệnh, chữa bệnh",
        "level": "province",
        "decentralized": "true",
        "portal_eligible": "true",
        "online_level": "full",
        "portal_integrated": "true",
        "integrated_on": "2025-06-01",
        "standardized": "true",
        "baseline_cost": "120000000",
        "current_cost": "80000000",
        "updated_at": "2026-11-20 09:00:00",
    },
    columns=(
        Column(
            "procedure_code",
            "code",
            "Procedure code (mã TTHC), e.g. 1.012345",
            vi=("mã TTHC", "mã thủ tục"),
            required=True,
        ),
        Column(
            "procedure_name",
            "text",
            "Name of the procedure",
            vi=("tên thủ tục", "tên TTHC"),
            required=True,
        ),
        Column(
            "field",
            "text",
            "Field (lĩnh vực) the procedure belongs to",
            vi=("lĩnh vực",),
            required=True,
        ),
        Column(
            "level",
            "enum",
            "Level that carries the procedure out",
            vi=("cấp thực hiện",),
            required=True,
            values=("central", "province", "commune"),
            synonyms={
                "trung ương": "central",
                "cấp trung ương": "central",
                "cấp tỉnh": "province",
                "tỉnh": "province",
                "cấp xã": "commune",
                "xã": "commune",
            },
        ),
        Column(
            "decentralized",
            "bool",
            "Decentralised to provinces or communes (true exactly when the level is not central)",
            vi=("phân cấp", "được phân cấp"),
            required=True,
        ),
        Column(
            "portal_eligible",
            "bool",
            "Eligible for the National Public Service Portal",
            vi=("đủ điều kiện cung cấp trên Cổng DVCQG", "đủ điều kiện Cổng DVCQG"),
            required=True,
        ),
        Column(
            "online_level",
            description="Online public service: full (toàn trình), partial (một phần) or none",
            vi=("mức độ dịch vụ công trực tuyến", "mức độ DVC"),
            required=True,
            **ONLINE_LEVELS,
        ),
        Column(
            "portal_integrated",
            "bool",
            "Integrated with the National Public Service Portal (only eligible procedures)",
            vi=("đã tích hợp Cổng DVCQG", "tích hợp cổng"),
            required=True,
        ),
        Column(
            "integrated_on", "date", "Date of integration with the portal", vi=("ngày tích hợp",)
        ),
        Column(
            "standardized",
            "bool",
            "A common guideline is issued (decentralised procedures)",
            vi=("đã chuẩn hóa",),
        ),
        Column(
            "baseline_cost",
            "money",
            "Annual compliance cost before simplification, VND",
            vi=("chi phí tuân thủ ban đầu",),
        ),
        Column(
            "current_cost",
            "money",
            "Annual compliance cost now, VND",
            vi=("chi phí tuân thủ hiện tại",),
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
            "procedures.procedure_code.format",
            "accurate",
            "error",
            "Mã TTHC không đúng định dạng (1–3, dấu chấm, 6 chữ số)",
            "procedure_code is not a digit 1–3, a dot and 6 digits",
            ("procedure_code",),
            check=lambda df, ctx: checks.matches(df["procedure_code"], r"[1-3]\.[0-9]{6}"),
            breaks=lambda row, ctx: {"procedure_code": "4.12345"},
        ),
        Rule(
            "procedures.decentralized.matches_level",
            "accurate",
            "error",
            "Phân cấp không khớp với cấp thực hiện (phân cấp khi và chỉ khi không phải cấp "
            "trung ương)",
            "decentralized must be true exactly when the level is not central",
            ("decentralized", "level"),
            check=lambda df, ctx: checks.same_truth(
                df["decentralized"], (df["level"] != "central").where(df["level"].notna())
            ),
            breaks=lambda row, ctx: {"level": "central"},
        ),
        Rule(
            "procedures.portal_integrated.only_when_eligible",
            "accurate",
            "error",
            "Đã tích hợp Cổng DVCQG nhưng không thuộc diện đủ điều kiện",
            "portal_integrated is true for a procedure not eligible for the portal",
            ("portal_integrated", "portal_eligible"),
            check=lambda df, ctx: checks.implies(df["portal_integrated"], df["portal_eligible"]),
            breaks=lambda row, ctx: {"portal_eligible": "false"},
        ),
        Rule(
            "procedures.integrated_on.required_when_integrated",
            "sufficient",
            "error",
            "Đã tích hợp Cổng DVCQG nhưng thiếu ngày tích hợp",
            "integrated_on is required when the procedure is integrated",
            ("integrated_on", "integrated_on__raw", "portal_integrated"),
            check=lambda df, ctx: checks.required_when(
                df["integrated_on"], df["portal_integrated"], raw=df["integrated_on__raw"]
            ),
            breaks=lambda row, ctx: {"integrated_on": ""},
        ),
        Rule(
            "procedures.costs.non_negative",
            "accurate",
            "error",
            "Chi phí tuân thủ không được âm",
            "Compliance costs must not be negative",
            ("baseline_cost", "current_cost"),
            check=_costs_non_negative,
            breaks=lambda row, ctx: {"current_cost": "-1000"},
        ),
    ),
)
