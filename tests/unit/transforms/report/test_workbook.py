"""The progress workbook and the HTML page from a small in-memory night."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd

from transforms.report.data import ReportData
from transforms.report.html import render
from transforms.report.readable import readable
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
    # Names first, the code in the last column (for filters and joins).
    assert header[:2] == ["Ngày dữ liệu\nrun_date", "Tên CSDL\ndatabase_name_vi"]
    assert header[-1] == "Mã CSDL\ndatabase_id"
    col = {h.split("\n")[1]: i + 1 for i, h in enumerate(header)}
    assert ws.cell(2, col["rating"]).value == "Tốt / green"
    assert ws.cell(2, col["rating"]).fill.fgColor.rgb == "00C8E6C9"
    assert ws.cell(3, col["rating"]).fill.fgColor.rgb == "00FFCDD2"
    assert ws.cell(2, col["overall_pct"]).number_format == "0.0"
    assert ws.cell(2, col["rows_received"]).number_format == "#,##0"
    assert ws.cell(2, col["run_date"]).number_format == "yyyy-mm-dd"
    assert ws.cell(3, col["delta_1d"]).value is None
    cmd = wb["Chỉ tiêu cấu hình"]["I2"]
    assert cmd.value == "=cmd" and cmd.data_type == "s"
    targets = wb["Chỉ tiêu cấu hình"]
    assert [c.value for c in targets[2]][:2] == [
        "Điểm tổng hợp CSDL / database overall score",
        "Mọi CSDL",
    ]


def test_a_person_reads_names_and_co_khong_not_codes_and_booleans():
    frame = pd.DataFrame(
        {
            "source": ["p79", "moh"],
            "province_code": ["79", "01"],
            "database_id": ["an_toan_thuc_pham", "kcb"],
            "subject": ["tthc", "kcb"],
            "met": [True, False],
            "on_track": pd.array([True, None], dtype="boolean"),
            "band_status": ["within", None],
        }
    )
    out = readable(
        frame, {"79": "Thành phố Hồ Chí Minh", "01": "Thành phố Hà Nội"}, codes_last=True
    )
    assert list(out.columns) == [
        "source_name",
        "province_name",
        "database_name",
        "subject_name",
        "met",
        "on_track",
        "band_status",
        "source",
        "province_code",
        "database_id",
        "subject",
    ]
    assert out.source_name.tolist() == ["Thành phố Hồ Chí Minh", "Bộ Y tế"]
    assert out.province_name.tolist() == ["Thành phố Hồ Chí Minh", "Thành phố Hà Nội"]
    assert out.database_name.tolist() == ["An toàn thực phẩm", "Khám bệnh, chữa bệnh"]
    assert out.subject_name.tolist() == ["Thủ tục hành chính", "Khám bệnh, chữa bệnh"]
    assert out.met.tolist() == ["có", "không"]
    assert out.on_track.tolist()[0] == "có" and pd.isna(out.on_track.tolist()[1])
    assert out.band_status.tolist()[0] == "Trong khoảng mục tiêu / within target"


def test_the_page_leaves_out_what_it_has_no_data_for_and_escapes_names():
    html = render(_data())
    assert "Dược &lt;B&gt;" in html and "Dược <B>" not in html
    assert "scores per database by criterion" in html
    assert "province × database" not in html  # no province scorecard in this night
    assert "not enough history" in html
    assert "<script" not in html


def test_the_markdown_reads_names_and_words(tmp_path):
    from transforms.report import _markdown

    data = _data()
    data.tables["target_status"] = pd.DataFrame(
        {
            "metric": ["standardized_pct"],
            "subject": ["tthc"],
            "value": [46.2],
            "target": [100.0],
            "target_high": [None],
            "deadline": [date(2026, 12, 31)],
            "met": [False],
            "on_track": [False],
            "rating": ["red"],
        }
    )
    text = _markdown(data, tmp_path / "r.md").read_text(encoding="utf-8")
    # kcb before duoc (the order of the databases), ratings and booleans as words.
    assert text.index("Khám bệnh, chữa bệnh") < text.index("Dược")
    assert "| Tốt / green | `kcb` |" in text
    row = next(line for line in text.splitlines() if "standardised procedures" in line)
    assert "| Thủ tục hành chính |" in row and "| không | không | Chưa đạt / red |" in row
    assert "tthc" not in row and "False" not in text and "True" not in text
