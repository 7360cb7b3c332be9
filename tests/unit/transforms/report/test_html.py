"""The page's sections that add up and explain themselves, from small in-memory nights."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from transforms.report.data import Method, ReportData, provincial_databases
from transforms.report.html import headline, render
from validations.databases import DATABASES
from validations.registry import DATASETS, delivered_by

NIGHT = date(2026, 11, 24)


def test_provincial_databases_follow_who_delivers_each_dataset():
    who = delivered_by()
    for db in DATABASES:
        mine = [ds for ds in DATASETS.values() if ds.database_id == db.id]
        expected = any(who[ds.id] == "province" for ds in mine)
        assert (db.id in provincial_databases()) is expected
    # The national registries of the ministry are not a province's databases.
    assert {"trang_thiet_bi", "y_duoc_co_truyen", "co_so_hanh_nghe"}.isdisjoint(
        provincial_databases()
    )
    assert {"kcb", "duoc"} <= provincial_databases()


def _received() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": ["visits", "facilities", "procedure_status", "procedures", "vaccines"],
            "files": [3, 1, 3, 1, 1],
            "files_rejected": [0, 0, 0, 0, 1],
            "rows_in": [120, 40, 90, 30, 0],
            "rows_loaded": [110, 38, 85, 30, 0],
            "rows_quarantined": [10, 2, 5, 0, 0],
        }
    )


def test_the_headline_counts_the_procedures_apart_and_adds_up_to_the_night():
    h = headline(ReportData(NIGHT, received=_received()))
    assert (h["scored_rows_in"], h["procedures_rows_in"], h["rows_in"]) == (160, 120, 280)
    assert h["scored_rows_in"] + h["procedures_rows_in"] == h["rows_in"]
    assert (h["scored_rows_quarantined"], h["procedures_rows_quarantined"]) == (12, 5)
    assert h["rows_in"] == h["rows_loaded"] + h["rows_quarantined"]
    assert (h["files"], h["files_rejected"]) == (9, 1)
    html = render(ReportData(NIGHT, received=_received(), runs=pd.DataFrame({"run_id": ["r"]})))
    assert "160" in html and "280" in html and "procedures, counted apart" in html


def _province_night() -> ReportData:
    rows = []
    for code, name in (("01", "Thành phố Hà Nội"), ("04", "Cao Bằng")):
        for db in ("kcb", "duoc"):
            rows.append(
                {
                    "run_date": NIGHT,
                    "province_code": code,
                    "province_name": name,
                    "database_id": db,
                    "overall_pct": 97.0 if db == "kcb" else 40.0,
                }
            )
    targets = pd.DataFrame(
        {
            "metric": ["overall_pct", "cost_reduction_pct"],
            "subject": ["*", "tthc"],
            "green": [85.0, 30.0],
            "amber": [70.0, 20.0],
            "target": [90.0, 30.0],
        }
    )
    return ReportData(
        NIGHT,
        {"province_scorecard": pd.DataFrame(rows), "targets": targets},
        provinces={"01": "Thành phố Hà Nội", "04": "Cao Bằng"},
        method=Method({"accurate": 2, "sufficient": 1, "clean": 1, "up_to_date": 1}, 7),
    )


def test_a_national_registry_is_not_applicable_to_a_province_and_says_so():
    html = render(_province_night())
    na = sorted(db.id for db in DATABASES if db.counts_in_scorecard)
    na = [d for d in na if d not in provincial_databases()]
    # Every not-applicable database has one grey KAD cell per province, never a score.
    assert html.count(">KAD</text>") == 2 * len(na)
    assert "không áp dụng" in html and "not applicable" in html
    assert "Thành phố Hà Nội (01)" in html  # names first, the code beside it


def test_the_methodology_reads_its_numbers_from_the_night():
    html = render(_province_night())
    method = html[html.index("how a score is computed") :]
    # Thresholds from progress.targets, weights and cut-off from the settings given.
    assert "≥ 85" in method and "≥ 70" in method
    assert "2 × Đúng" in method and "/ 5" in method
    assert "sau 7 giờ sáng" in method
    for vi in ("Đúng", "Đủ", "Sạch", "Sống", "Trễ hạn", "Chưa gửi"):
        assert vi in method


def test_the_score_axis_starts_near_the_lowest_score():
    db = pd.DataFrame(
        {
            "run_date": [NIGHT] * 3,
            "database_id": ["kcb", "duoc", "nhan_luc"],
            "database_name_vi": ["Khám bệnh, chữa bệnh", "Dược", "Nhân lực y tế"],
            "database_name_en": ["Medical", "Pharma", "Workforce"],
            "rows_received": [100, 50, 0],
            "rows_accepted": [90, 50, 0],
            "rows_quarantined": [10, 0, 0],
            "accurate_pct": [96.0, 99.0, 0.0],
            "sufficient_pct": [97.5, 98.0, 0.0],
            "clean_pct": [99.0, 99.5, 0.0],
            "up_to_date_pct": [98.0, 97.0, 0.0],
            "overall_pct": [97.6, 98.4, 0.0],
            "rating": ["green", "green", "red"],
        }
    )
    html = render(ReportData(NIGHT, {"database_scorecard": db}))
    assert "the axis starts at 90, not 0" in html
    # The database with nothing received says so instead of dots at the left edge.
    assert "nothing received: scores 0" in html
    # kcb (first of DATABASES) is drawn before duoc, not in the order of the ids.
    assert html.index("Khám bệnh, chữa bệnh") < html.index(">Dược<")
    assert not re.search(r"<script|url\(", html)
