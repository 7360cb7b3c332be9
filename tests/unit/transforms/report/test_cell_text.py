"""A delivered cell with a control character or a lone surrogate is written to the report's
and feedback's workbooks (openpyxl refused the whole workbook before), and one that looks
like a formula stays text."""

from __future__ import annotations

import openpyxl

from transforms.report.workbook import cell_text, first_sheet, set_value


def test_cells_openpyxl_would_refuse_are_written_with_a_replacement_mark(tmp_path):
    wb = openpyxl.Workbook()
    ws = first_sheet(wb)
    set_value(ws, 1, 1, "Nguyễn\x01Văn\x1bAn")
    set_value(ws, 2, 1, "a\ud800b")
    set_value(ws, 3, 1, '=HYPERLINK("http://x.test","bấm")')
    set_value(ws, 4, 1, "dòng 1\ndòng 2\ttab")
    wb.save(tmp_path / "out.xlsx")

    back = first_sheet(openpyxl.load_workbook(tmp_path / "out.xlsx"))
    assert [back.cell(row=r, column=1).value for r in range(1, 5)] == [
        "Nguyễn\ufffdVăn\ufffdAn",
        "a\ufffdb",
        '=HYPERLINK("http://x.test","bấm")',
        "dòng 1\ndòng 2\ttab",
    ]
    assert back.cell(row=3, column=1).data_type == "s"


def test_text_without_forbidden_characters_is_kept_as_it_is():
    text = "Trạm y tế phường Hoàn Kiếm 😀"
    assert cell_text(text) == text
