"""Parsing the conventions of DATASETS.md without guessing: a value that cannot be read
becomes missing in the typed column and fails the `format` rule of its row."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from tests.factories import failures, visit_row
from transforms.parsing import (
    pad_digits,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
    parse_money,
    parse_number,
)


def one(parser, text):
    return parser(pd.Series([text], dtype="str")).iloc[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", datetime(2026, 11, 20)),
        ("2026-11-20 08:30", datetime(2026, 11, 20, 8, 30)),
        ("2026-11-20 08:30:15", datetime(2026, 11, 20, 8, 30, 15)),
        ("2026-11-20T08:30:15", datetime(2026, 11, 20, 8, 30, 15)),
        ("2026-11-20 08:30:15.000", datetime(2026, 11, 20, 8, 30, 15)),
        ("20/11/2026", datetime(2026, 11, 20)),
        ("05/01/2026", datetime(2026, 1, 5)),  # day first, always
        ("5/1/2026", datetime(2026, 1, 5)),
        ("20/11/2026 8:30", datetime(2026, 11, 20, 8, 30)),
        ("20/11/2026 08:30:15", datetime(2026, 11, 20, 8, 30, 15)),
        ("20-11-2026", datetime(2026, 11, 20)),
        ("20261120", datetime(2026, 11, 20)),
        ("202611200830", datetime(2026, 11, 20, 8, 30)),  # claims yyyymmddHHMM
        ("20261120083015", datetime(2026, 11, 20, 8, 30, 15)),
        ("2026-11-20T01:30:00Z", datetime(2026, 11, 20, 8, 30)),  # to local time
        ("2026-11-20T08:30:00+07:00", datetime(2026, 11, 20, 8, 30)),
        ("46346", datetime(2026, 11, 20)),  # Excel serial
        ("46346.5", datetime(2026, 11, 20, 12, 0)),
        ("61", datetime(1900, 3, 1)),
        ("1", datetime(1900, 1, 1)),  # before Excel's phantom 29 February 1900
    ],
)
def test_datetime_layouts(text, expected):
    assert one(parse_datetime, text) == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "text",
    ["31/02/2026", "13/13/2026", "2026/11/20", "17/05/90", "abc", "0", "60", "2026", "1990",
     "2026-11-20 25:00"],
)
def test_unreadable_datetimes_are_missing_not_guessed(text):
    assert pd.isna(one(parse_datetime, text))


def test_date_drops_the_time():
    assert one(parse_date, "202611200830") == pd.Timestamp(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234567", 1234567.0),
        ("1.234.567,50", 1234567.5),
        ("1,234,567.50", 1234567.5),
        ("1234567.5", 1234567.5),
        ("12,5", 12.5),
        ("1.234", 1234.0),  # thousands: VND has at most two decimals
        ("1,234", 1234.0),
        ("0.500", 0.5),  # a thousands group never starts with 0
        ("0,500", 0.5),
        ("-1.234,5", -1234.5),
        ("1.2E+06", 1200000.0),
        ("100 000", 100000.0),
        ("1\u00a0000", 1000.0),
        ("100.000 đ", 100000.0),
        ("100.000 VNĐ", 100000.0),
        ("100.000vnd", 100000.0),
        ("₫1.000", 1000.0),
        ("123.0", 123.0),
    ],
)
def test_number_layouts(text, expected):
    assert one(parse_number, text) == expected


@pytest.mark.parametrize("text", ["1.234.56", ".5", "abc", "1e6", "12,345,6"])
def test_unreadable_numbers(text):
    assert pd.isna(one(parse_number, text))


def test_money_int_bool_and_padding():
    assert one(parse_money, "1.234,567") == 1234.57
    assert one(parse_money, "150000.555") == 150000.56
    assert one(parse_int, "500") == 500 and pd.isna(one(parse_int, "1,5"))
    bools = parse_bool(pd.Series(["true", "0", "Có", "KHÔNG", "1", "false", "maybe"], dtype="str"))
    assert bools.tolist()[:6] == [True, False, True, False, True, False]
    assert pd.isna(bools.iloc[6])
    assert pad_digits(pd.Series(["1", "1.0", "01", "A1"], dtype="str"), 2).tolist() == [
        "01", "01", "01", "A1"]


def test_an_unreadable_date_is_a_row_error_never_a_silent_null(ctx_for, ref):
    rows = [visit_row(), visit_row(birth_date="2026"), visit_row(admitted_at="31/02/2026"),
            visit_row(total_cost="1.234.56")]
    found = failures("visits", rows, ctx_for("province"), ref)
    assert found[0] == set()
    assert "visits.birth_date.format" in found[1]
    assert "visits.admitted_at.format" in found[2]
    assert "visits.total_cost.format" in found[3]
    assert not any(".required" in r for f in found for r in f)  # delivered, just unreadable


def test_claims_and_spreadsheet_spellings_load_clean(ctx_for, ref):
    claims = visit_row(birth_date="199005170000", admitted_at="202611200830",
                       discharged_at="202611221000", sex="1", updated_at="20261124",
                       total_cost="1.000.000", insurance_paid="800.000,00",
                       patient_paid="200000.0")
    spreadsheet = visit_row(birth_date="1990-05-17 00:00:00", visit_type="1",
                            facility_code="1001", admitted_at="20/11/2026 08:30",
                            updated_at="24/11/2026")
    assert failures("visits", [claims, spreadsheet], ctx_for("province"), ref) == [set(), set()]


def test_only_ascii_digits_are_digits_and_a_non_ascii_value_does_not_change_the_others():
    # Arabic-Indic and full-width digits are no digits in a Vietnamese date or amount; the
    # Vietnamese text beside them must not change how the other values are read.
    column = pd.Series(["20/11/2026", "٢٠/١١/٢٠٢٦", "２０２６-11-20", "không rõ"], dtype="str")
    assert parse_date(column).tolist()[0] == datetime(2026, 11, 20)
    assert parse_date(column).iloc[1:].isna().all()
    amounts = pd.Series(["1.000.000", "١٢٣", "một triệu"], dtype="str")
    assert parse_number(amounts).tolist()[0] == 1_000_000.0
    assert parse_number(amounts).iloc[1:].isna().all()
