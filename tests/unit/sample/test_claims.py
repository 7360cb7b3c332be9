"""How a claims package writes its values (sample/generate/claims.py): the shortcuts that make
it fast (times as minute numbers, a template per row shape, escaping looked for once a row)
give the texts the reader expects."""

from __future__ import annotations

import base64
from datetime import date, datetime
from xml.etree import ElementTree

import pytest

from sample.generate import claims


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 11, 24, 0, 0), "202611240000"),
        (datetime(2026, 12, 31, 23, 59), "202612312359"),
        (datetime(2024, 2, 29, 7, 5, 59, 999_999), "202402290705"),  # no seconds
        (datetime(1899, 1, 1, 12, 30), "189901011230"),
        (datetime(99, 3, 4, 5, 6), "009903040506"),  # a planted year keeps four digits
    ],
)
def test_a_minute_number_has_the_text_of_its_time(value, text):
    assert claims._minute_text(claims._minute(value)) == text
    assert claims._time_text(value) == claims._datetime_text(value) == text


def test_a_table_writes_each_row_in_its_own_tag_order_and_escapes_texts():
    rows = [
        {"MA_LK": "A1", "STT": "1", "TEN_DICH_VU": "Khám bệnh"},
        {"MA_LK": "A1", "STT": "2", "MA_GIUONG": "H001", "TEN_DICH_VU": "R&D <x>"},
    ]
    xml = base64.b64decode(claims._table("CHITIEU_CHITIET_DVKT", "CHI_TIET_DVKT", rows))
    table = ElementTree.fromstring(xml)
    read = [{cell.tag: cell.text for cell in row} for row in table.iter("CHI_TIET_DVKT")]
    assert read == rows
    assert [list(r) for r in read] == [list(r) for r in rows]
    assert b"R&amp;D &lt;x&gt;" in xml


def test_a_visit_row_becomes_the_texts_the_reader_parses():
    visit = {
        "MA_LK": "A1",
        "NGAY_SINH": date(2006, 11, 16),
        "NGAY_VAO": datetime(2026, 11, 7, 16, 15),
        "T_TONGCHI_BV": 407000.0,
        "T_BNTT": 12560.5,
        "T_THUOC": 25000,
        "MA_BENH_KT": None,
    }
    assert claims._texts(visit) == {
        "MA_LK": "A1",
        "NGAY_SINH": "200611160000",
        "NGAY_VAO": "202611071615",
        "T_TONGCHI_BV": "407000",
        "T_BNTT": "12560.5",
        "T_THUOC": "25000",
        "MA_BENH_KT": "",
    }
