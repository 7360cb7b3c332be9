"""How a claims package writes its values (sample/generate/claims.py): the shortcuts that make
it fast (times as minute numbers, a template per row shape, escaping looked for once a row)
give the texts the reader expects."""

from __future__ import annotations

import base64
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import numpy as np
import pytest

from sample.generate import claims
from sample.generate.base import NightSpec, World
from transforms.ingest.readers.claims_split import line_amount
from transforms.reference import load


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


def _package(visits: int) -> claims.Package:
    """A province's package with registers of its own (one text to escape in each)."""
    w = World(spec=NightSpec(run_date=date(2026, 11, 24)), ref=load(), rng=random.Random(0))
    w.facts["drug_registrations"] = {
        "valid": [("VD-12345-19",), ("VD-1&2-20",)],
        "expired": [("VD-00001-15", None, date(2025, 1, 1))],
    }
    w.facts["active_licences"] = {"01": ["000123/HN-CCHN", "000456/<HN>-CCHN"]}
    w.start("visits", "01")
    return claims.Package(w, 1, "01", "p01", visits)


def _visits(n: int) -> tuple[list[dict], list[float]]:
    """`n` visits with lines (stays of 0 to 90 hours, one key in 50 to escape), and their
    totals."""
    start = datetime(2026, 11, 1, 7, 30)
    visits: list[dict] = [
        {
            "MA_LK": f"LK{i:05d}" if i % 50 else f"LK&{i}",
            "MA_CSKCB": "01001",
            "NGAY_VAO": start + timedelta(hours=7 * i),
            "NGAY_RA": start + timedelta(hours=7 * i + 30 * (i % 4)),
            "T_TONGCHI_BV": float(60_000 + 7_919 * i),
        }
        for i in range(n)
    ]
    return visits, [float(v["T_TONGCHI_BV"]) for v in visits]


def test_a_line_drawn_as_columns_reads_back_as_the_row_that_writes_the_same_xml():
    """A line to break is read back from the XML its columns made (`_row_of`): written as a
    row (`_row_xml`), it is the same XML; a part's clean lines add up to each visit's total,
    the drugs to at most a third of it, T_THUOC and T_VTYT to theirs."""
    visits, totals = _visits(300)
    lines = claims._Lines(_package(300), visits, totals)
    drug_xml, service_xml = lines.slots
    tags = (claims.XML2[1], claims.XML3[1])
    for k, total in enumerate(totals):
        rows = []
        for tag, slots in zip(tags, (drug_xml, service_xml), strict=True):
            for xml in (slots[slot][k] for slot in range(3)):
                if xml:
                    row = claims._row_of(xml)
                    assert claims._row_xml(tag, row).encode() == xml
                    rows.append(row)
        amounts = [int(row["THANH_TIEN_BV"]) for row in rows]
        assert sum(amounts) == int(total)
        drugs = [int(r["THANH_TIEN_BV"]) for r in rows if r["MA_NHOM"] == "4"]
        assert len(drugs) == lines.n_drugs[k] and sum(drugs) <= int(total) // 3
        assert sum(drugs) == lines.drug_amount[k]
        supplies = [int(r["THANH_TIEN_BV"]) for r in rows if r["MA_NHOM"] == "10"]
        assert sum(supplies) == lines.supply_amount[k]
        assert {r["MA_LK"] for r in rows} == {visits[k]["MA_LK"]}
        assert lines.drug_xml[k] == b"".join(drug_xml[slot][k] for slot in range(3))


def test_a_part_s_lines_broken_or_not_add_up_to_their_visit_s_totals():
    """Every visit's lines (of its MA_LK, amounts as the reader reads them) add up to its
    total, and T_THUOC, T_VTYT to its drugs' and supplies' (no visit of this part is
    planted with a mismatch: its draws are checked), whichever of its lines are broken."""
    visits, totals = _visits(400)
    package = _package(400)
    out = package.part(visits, [], totals)
    mismatched = {i for i, d in out.planted if d.dataset == "visits"}
    broken = {d.kind for _, d in out.planted if d.dataset != "visits"}
    assert len(broken) > 3  # lines of several kinds were broken
    root = ElementTree.fromstring(b"".join(out.data))
    for i, hoso in enumerate(root.iter("HOSO")):
        tables = {
            f.findtext("LOAIHOSO"): ElementTree.fromstring(
                base64.b64decode(f.findtext("NOIDUNGFILE"))
            )
            for f in hoso.iter("FILEHOSO")
        }
        visit = next(tables["XML1"].iter("TONG_HOP"))
        lk = visit.findtext("MA_LK")
        rows = [
            row
            for name in ("XML2", "XML3")
            if name in tables
            for row in tables[name].iter(claims.XML2[1] if name == "XML2" else claims.XML3[1])
            if row.findtext("MA_LK") == lk
        ]
        amounts = [line_amount(row.findtext("THANH_TIEN_BV")) or 0 for row in rows]
        assert sum(amounts) == int(totals[i]), (i, lk)
        if i in mismatched:
            continue
        kinds = [(r.tag, r.findtext("MA_NHOM")) for r in rows]
        drugs = sum(a for (tag, _), a in zip(kinds, amounts, strict=True) if tag == claims.XML2[1])
        supplies = sum(
            a for (_, group), a in zip(kinds, amounts, strict=True) if group in ("10", "11")
        )
        assert Decimal(visit.findtext("T_THUOC")) == drugs
        assert Decimal(visit.findtext("T_VTYT")) == supplies


def test_visits_written_a_column_at_a_time_are_the_tables_of_their_rows():
    """`_visit_tables` (a part's XML1 tables, texts made a column at a time) writes each
    visit as `_table` writes its row of texts: mixed classes in a column, texts to escape,
    a visit of another shape."""
    visits = [
        {"MA_LK": "A1", "HO_TEN": "Nguyễn Văn A", "T_TONGCHI_BV": 407000.0, "T_THUOC": 25000},
        {"MA_LK": "A&2", "HO_TEN": None, "T_TONGCHI_BV": "12,5", "T_THUOC": 0},
        {"MA_LK": "A3", "HO_TEN": "<b>", "T_TONGCHI_BV": 12560.5, "T_THUOC": 1},
        {"MA_LK": "A4", "NGAY_VAO": datetime(2026, 11, 7, 16, 15), "NGAY_SINH": date(2006, 1, 2)},
    ]
    expected = [claims._table("TONG_HOP_XML1", "TONG_HOP", [claims._texts(v)]) for v in visits]
    assert claims._visit_tables(visits) == expected


def test_minute_numbers_looked_up_as_columns_have_their_texts():
    """`_times` (a column's days' and times of day's texts) and `_numbers` give the texts
    that `_minute_text` and `%d` give, planted far-off years and large numbers too."""
    values = [datetime(2026, 11, 24), datetime(2024, 2, 29, 7, 5), datetime(99, 3, 4, 5, 6)]
    minutes = [claims._minute(v) + shift for v in values for shift in (0, 30, 1439, 90_000)]
    days, times = claims._times(np.array(minutes, dtype=np.int64))
    assert [(d + t).decode() for d, t in zip(days, times, strict=True)] == [
        claims._minute_text(m) for m in minutes
    ]
    numbers = np.array([0, 7, 999, 99_999, 150_000, 12_345_678])
    assert claims._numbers(numbers) == [b"%d" % n for n in numbers.tolist()]
    assert claims._numbers(numbers[:3], 4) == [b"0000", b"0007", b"0999"]
