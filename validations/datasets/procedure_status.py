"""tthc: `procedure_status`, each province's implementation of the decentralised
procedures (every province; key: province_code + procedure_code)."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import define
from validations.datasets.procedures import ONLINE_LEVELS
from validations.model import Column, Context, Rule


def _online_within_received(df: pd.DataFrame, ctx: Context) -> pd.Series:
    online, received = df["files_online"], df["files_received"]
    ok = checks.in_range(online, low=0) & (
        checks.passes(online <= received) | checks.either_missing(online, received)
    )
    return ok


DATASET = define(
    id="procedure_status",
    database_id="tthc",
    delivered_by="province",
    key=("province_code", "procedure_code"),
    description_vi="Tình hình thực hiện thủ tục hành chính được phân cấp tại tỉnh",
    description_en="Provinces' implementation of the decentralised procedures",
    progress_sql=("procedure_status.progress_by_province",),  # progress.procedures_by_province
    example={
        "province_code": "01",
        "procedure_code": "1.012345",
        "implemented": "có",
        "online_level": "toàn trình",
        "portal_connected": "có",
        "files_received": "1.200",
        "files_online": "900",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        Column(
            "province_code",
            "province",
            "Current code of the reporting province",
            vi=("mã tỉnh",),
            required=True,
            width=2,
        ),
        Column(
            "procedure_code",
            "code",
            "Procedure code (mã TTHC) of the ministry catalogue",
            vi=("mã TTHC", "mã thủ tục"),
            required=True,
        ),
        Column(
            "implemented",
            "bool",
            "The province carries the procedure out",
            vi=("đã triển khai",),
            required=True,
        ),
        Column(
            "online_level",
            description="Online public service in the province: full, partial or none",
            vi=("mức độ dịch vụ công trực tuyến", "mức độ DVC"),
            required=True,
            **ONLINE_LEVELS,
        ),
        Column(
            "portal_connected",
            "bool",
            "Connected to the National Public Service Portal in the province",
            vi=("đã kết nối Cổng DVCQG", "kết nối cổng"),
            required=True,
        ),
        Column(
            "files_received", "int", "Applications received this year", vi=("số hồ sơ tiếp nhận",)
        ),
        Column(
            "files_online",
            "int",
            "Applications received online this year",
            vi=("số hồ sơ trực tuyến",),
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
            "procedure_status.procedure_code.exists",
            "accurate",
            "error",
            "Mã TTHC không có trong danh mục thủ tục của Bộ Y tế",
            "procedure_code is not in the procedures catalogue",
            ("procedure_code",),
            kind="reference",
            references=("procedures", "procedure_code"),
        ),
        Rule(
            "procedure_status.procedure_code.decentralized",
            "accurate",
            "error",
            "Thủ tục không thuộc diện phân cấp cho địa phương (cấp trung ương)",
            "procedure_code is a central procedure, not a decentralised one",
            ("procedure_code",),
            kind="sql",
            sql="procedure_status.decentralized",
            needs=("procedures",),
        ),
        Rule(
            "procedure_status.files_received.non_negative",
            "accurate",
            "error",
            "Số hồ sơ tiếp nhận không được âm",
            "files_received must not be negative",
            ("files_received",),
            check=lambda df, ctx: checks.in_range(df["files_received"], low=0),
            breaks=lambda row, ctx: {"files_received": "-5", "files_online": ""},
        ),
        Rule(
            "procedure_status.files_online.within_received",
            "accurate",
            "error",
            "Số hồ sơ trực tuyến phải từ 0 đến số hồ sơ tiếp nhận",
            "files_online must be between 0 and files_received",
            ("files_online", "files_received"),
            check=_online_within_received,
            breaks=lambda row, ctx: {"files_online": "1.201"},
        ),
    ),
)
