"""Feedback files: person ids masked, names reduced to initials, formulas never written."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from transforms.report.feedback import mask_id, mask_name, mask_raw, readable
from transforms.report.workbook import set_value


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("001090012345", "*********345"),
        ("123456789", "******789"),
        ("B1234567", "*****567"),
        ("DN4010123456789;HT2010123456001", "************789;************001"),
        ("12", "***"),
    ],
)
def test_ids_keep_their_last_three_characters(value, masked):
    assert mask_id(value) == masked


def test_names_become_initials():
    assert mask_name("Nguyễn Văn An") == "N. V. A."
    assert mask_name("  ") == "***"


def test_a_raw_row_is_masked_by_its_delivered_headers():
    raw = json.dumps(
        {
            "MA_LK": "KB1",
            "SO_CCCD": "001090012345",
            "HO_TEN": "Trần Thị Bình",
            "MA_THE_BHYT": "DN4010123456789",
            "MA_BENH_CHINH": "J18.9",
        }
    )
    assert mask_raw("visits", raw) == (
        "MA_LK=KB1; SO_CCCD=*********345; HO_TEN=T. T. B.; MA_THE_BHYT=************789; "
        "MA_BENH_CHINH=J18.9"
    )


def test_canonical_headers_are_masked_too_and_unknown_datasets_left_alone():
    assert (
        mask_raw("births", {"mother_id": "001190012345", "weight_grams": "3000"})
        == "mother_id=*********345; weight_grams=3000"
    )
    assert mask_raw("not_a_dataset", {"x": "=1"}) == "x==1"
    assert mask_raw("visits", None) == ""


@pytest.mark.parametrize(
    "text", ["=1+2", "+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x")', "\t=1"]
)
def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path, text):
    wb = Workbook()
    ws = wb.active
    set_value(ws, 1, 1, text)
    set_value(ws, 1, 2, "plain")
    set_value(ws, 1, 3, -5)  # a number stays a number
    wb.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert back["A1"].value == text and back["A1"].data_type == "s"
    assert back["A1"].quotePrefix
    assert back["B1"].data_type == "s" and not back["B1"].quotePrefix
    assert back["C1"].value == -5 and back["C1"].data_type == "n"


def test_an_officer_reads_vietnamese_first_and_co_khong():
    frame = pd.DataFrame(
        {
            "dataset": ["visits", "facilities"],
            "expected": [True, False],
            "status": ["missing", "received"],
            "criterion": ["accurate", "up_to_date"],
            "severity": ["error", "warning"],
        }
    )
    out = readable(frame)
    assert list(out.columns) == [
        "dataset",
        "dataset_name",
        "expected",
        "status",
        "criterion",
        "severity",
    ]
    assert out.expected.tolist() == ["có", "không"]
    assert out.status.tolist() == ["Chưa gửi / missing", "Đã nhận / received"]
    assert out.criterion.tolist() == ["Đúng / accurate", "Sống / up-to-date"]
    assert out.severity.tolist() == [
        "Lỗi (cách ly) / error, quarantined",
        "Cảnh báo (vẫn nạp) / warning, loaded",
    ]
    assert out.dataset_name.tolist()[0] == "Lượt KCB"
