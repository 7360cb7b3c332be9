"""The progress workbook and the HTML page from a small in-memory night."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd

from transforms.report.data import ReportData
from transforms.report.html import render
from transforms.report.workbook import write_workbook

NIGHT = date(2026, 11, 24)


def _data() -> ReportData:
    db = pd.DataFrame(
        {
            "run_date": [NIGHT, NIGHT],
            "database_id": ["kcb", "duoc"],
            "database_name_vi": ["Khám bệnh, chữa bệnh", "Dược <B>"],
            "database_name_en": ["Medical examination", "Pharmaceuticals"],
            "rows_received": [100, 0],
            "rows_accepted": [90, 0],
            "rows_quarantined": [10, 0],
            "accurate_pct": [90.0, 0.0],
            "sufficient_pct": [100.0, 0.0],
            "clean_pct": [95.0, 0.0],
            "up_to_date_pct": [99.0, 0.0],
            "overall_pct": [96.0, 0.0],
            "rating": ["green", "red"],
            "delta_1d": [1.5, None],
            "delta_7d": [None, None],
            "delta_30d": [None, None],
        }
    )
    targets = pd.DataFrame(
        {
            "metric": ["overall_pct"],
            "subject": ["*"],
            "green": [90.0],
            "amber": [75.0],
            "target": [90.0],
            "target_high": [None],
            "deadline": [date(2026, 12, 31)],
            "description_vi": ["x"],
            "description_en": ["=cmd"],
        }
    )
    return ReportData(NIGHT, {"database_scorecard": db, "targets": targets})


def test_one_formatted_sheet_per_table(tmp_path):
    path = write_workbook(_data(), tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Điểm CSDL", "Chỉ tiêu cấu hình"]
    ws = wb["Điểm CSDL"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:2] == ["Ngày dữ liệu\nrun_date", "Mã CSDL\ndatabase_id"]
    col = {h.split("\n")[1]: i + 1 for i, h in enumerate(header)}
    assert ws.cell(2, col["rating"]).fill.fgColor.rgb == "00C8E6C9"
    assert ws.cell(3, col["rating"]).fill.fgColor.rgb == "00FFCDD2"
    assert ws.cell(2, col["overall_pct"]).number_format == "0.0"
    assert ws.cell(2, col["rows_received"]).number_format == "#,##0"
    assert ws.cell(2, col["run_date"]).number_format == "yyyy-mm-dd"
    assert ws.cell(3, col["delta_1d"]).value is None
    cmd = wb["Chỉ tiêu cấu hình"]["I2"]
    assert cmd.value == "=cmd" and cmd.data_type == "s"


def test_the_page_leaves_out_what_it_has_no_data_for_and_escapes_names():
    html = render(_data())
    assert "Dược &lt;B&gt;" in html and "Dược <B>" not in html
    assert "scores per database by criterion" in html
    assert "province × database" not in html  # no province scorecard in this night
    assert "not enough history" in html
    assert "<script" not in html
