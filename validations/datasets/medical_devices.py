"""trang_thiet_bi: `medical_devices`, the ministry's register of medical devices allowed on
the market (số lưu hành). Key: registration_no."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.datasets import define
from validations.model import Column, Context, Rule
from validations.standard import RAW_SUFFIX

# Classes C and D (higher risk) are registered for a fixed term; A and B are declared.
FIXED_TERM_CLASSES = ("C", "D")


def _valid_until_given(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return checks.required_when(
        df["valid_until"],
        df["risk_class"].isin(FIXED_TERM_CLASSES),
        raw=df["valid_until" + RAW_SUFFIX],
    )


DATASET = define(
    id="medical_devices",
    database_id="trang_thiet_bi",
    delivered_by="moh",
    key=("registration_no",),
    description_vi="Danh mục trang thiết bị y tế được cấp số lưu hành",
    description_en="Register of medical devices with a marketing number",
    example={
        "registration_no": "2400123ĐKLH/BYT-HTTB",
        "device_name": "Máy thở chức năng cao",
        "risk_class": "C",
        "owner_name": "Công ty TNHH Thiết bị Y tế Việt Nhật",
        "valid_until": "2029-01-31",
        "updated_at": "2026-11-20 08:00:00",
    },
    columns=(
        Column(
            "registration_no",
            "code",
            "Marketing number (số lưu hành) of the device",
            vi=("số lưu hành", "số đăng ký lưu hành", "số công bố"),
            required=True,
        ),
        Column(
            "device_name",
            "text",
            "Device name",
            vi=("tên trang thiết bị", "tên thiết bị"),
            required=True,
        ),
        Column(
            "risk_class",
            "enum",
            "Risk class, A (lowest) to D",
            vi=("phân loại", "loại", "mức độ rủi ro"),
            required=True,
            values=("A", "B", "C", "D"),
            synonyms={
                "loại a": "A",
                "loại b": "B",
                "loại c": "C",
                "loại d": "D",
                "a": "A",
                "b": "B",
                "c": "C",
                "d": "D",
            },
        ),
        Column(
            "owner_name",
            "text",
            "Holder of the marketing number",
            vi=("chủ sở hữu", "chủ sở hữu số lưu hành"),
        ),
        Column(
            "valid_until",
            "date",
            "Last day the marketing number is valid (classes C and D)",
            vi=("ngày hết hiệu lực", "hiệu lực đến"),
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
            "medical_devices.valid_until.required_for_class_c_d",
            "sufficient",
            "error",
            "Thiếu ngày hết hiệu lực của số lưu hành cho thiết bị loại C, D",
            "valid_until is required for risk classes C and D",
            ("risk_class", "valid_until", "valid_until" + RAW_SUFFIX),
            check=_valid_until_given,
            breaks=lambda row, ctx: {"valid_until": ""},
        ),
    ),
)
