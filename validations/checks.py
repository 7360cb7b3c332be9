"""Vectorised building blocks for rule checks.

Every function takes Series and returns a boolean Series that is True where the value
passes. Missing inputs pass: presence is checked by the `required` rules alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ICD10 = r"[A-Z][0-9]{2}(?:\.[0-9]{1,2})?"
INSURANCE_CARD = r"[A-Z]{2}[1-5][0-9]{12}"

# Placeholders that data-entry staff type when they do not know a name.
PLACEHOLDER_NAMES = frozenset(
    {
        "test",
        "testing",
        "thử",
        "thu",
        "không rõ",
        "khong ro",
        "chưa rõ",
        "chua ro",
        "không tên",
        "khong ten",
        "unknown",
        "n/a",
        "na",
        "x",
        "xx",
        "xxx",
        "abc",
        "noname",
        "no name",
        "-",
        ".",
        "?",
    }
)
JUNK_IDS = frozenset({"123456789012", "012345678901", "123456789", "987654321098"})


def passes(mask: pd.Series) -> pd.Series:
    """A boolean Series with missing results counted as passing."""
    return mask.fillna(True).astype(bool)


def matches(s: pd.Series, pattern: str) -> pd.Series:
    """Full match of a regular expression (missing values pass)."""
    return passes(s.str.fullmatch(pattern)) | s.isna()


def each_matches(s: pd.Series, pattern: str, sep: str = ";", most: int | None = None) -> pd.Series:
    """Every `sep`-separated item matches `pattern` (and there are at most `most` of them)."""
    item = f"(?:{pattern})"
    count = "*" if most is None else "{0," + str(most - 1) + "}"
    return matches(s, f"{item}(?:{re.escape(sep)}{item}){count}")


def is_in(s: pd.Series, allowed: Iterable[str]) -> pd.Series:
    return s.isin(list(allowed)) | s.isna()


def _cccd_prefixes(province_codes: Iterable[str], old_province_codes: Iterable[str]) -> list[str]:
    return sorted({"0" + c for c in set(province_codes) | set(old_province_codes)})


def person_id_valid(
    s: pd.Series, province_codes: Iterable[str], old_province_codes: Iterable[str]
) -> pd.Series:
    """A 12-digit CCCD with a known province prefix and century digit, a 9-digit legacy id,
    or a passport number (one capital letter and 7 digits)."""
    prefixes = "|".join(_cccd_prefixes(province_codes, old_province_codes))
    return matches(s, rf"(?:(?:{prefixes})[0-5][0-9]{{8}})|[0-9]{{9}}|[A-Z][0-9]{{7}}")


def person_id_not_junk(s: pd.Series) -> pd.Series:
    """Not a placeholder id: one digit repeated, a counting run, an all-zero id."""
    # One digit repeated, spelled without a backreference so that it runs in pyarrow (RE2).
    repeated = s.str.fullmatch("|".join(f"{d}{{2,}}" for d in "0123456789"))
    listed = s.isin(list(JUNK_IDS))
    return passes(~(repeated | listed))


def _cccd_parts(ids: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where ids are 12-digit CCCDs, and their century-and-sex digit and two-digit birth
    year (0 where they are not)."""
    # In Arrow and integers (pd.to_numeric on sliced text took 90 ms per 250,000 ids): the
    # 12 digits read as one number, whose digits 4-6 are (n // 10**6) % 1000.
    text = pa.array(ids.astype("str").array)
    cccd = pc.and_(pc.equal(pc.binary_length(text), 12), pc.ascii_is_decimal(text))
    number = pc.fill_null(pc.cast(pc.if_else(cccd, text, None), pa.int64()), 0).to_numpy()
    digits = number // 10**6 % 1000
    return pc.fill_null(cccd, False).to_numpy(zero_copy_only=False), digits // 100, digits % 100


def cccd_agrees_with_sex(ids: pd.Series, sex: pd.Series) -> pd.Series:
    """Digit 4 of a CCCD is even for men, odd for women; `U` (unknown) is not judged."""
    cccd, digit, _ = _cccd_parts(ids)
    male = (sex == "M").to_numpy(dtype=bool, na_value=False)
    female = (sex == "F").to_numpy(dtype=bool, na_value=False)
    judged = cccd & (male | female)
    return pd.Series(~judged | (male == (digit % 2 == 0)), index=ids.index)


def cccd_agrees_with_birth_year(ids: pd.Series, birth: pd.Series) -> pd.Series:
    """Digits 4–6 of a CCCD give the century and the last two digits of the birth year."""
    cccd, digit, yy = _cccd_parts(ids)
    year = 1900 + (digit // 2) * 100 + yy
    born = pd.to_datetime(birth).dt.year.to_numpy(dtype="float64", na_value=np.nan)
    judged = cccd & ~np.isnan(born)
    return pd.Series(~judged | (year == born), index=ids.index)


def not_placeholder_name(s: pd.Series) -> pd.Series:
    return passes(~s.str.lower().str.strip().isin(list(PLACEHOLDER_NAMES)))


def either_missing(*series: pd.Series) -> pd.Series:
    """True where any input is missing (comparisons with NaN are False, not NA)."""
    out = series[0].isna()
    for s in series[1:]:
        out = out | s.isna()
    return out


def not_after(s: pd.Series, limit: date | str) -> pd.Series:
    return passes(s <= pd.Timestamp(limit)) | s.isna()


def not_before(s: pd.Series, limit: date | str) -> pd.Series:
    return passes(s >= pd.Timestamp(limit)) | s.isna()


def in_range(s: pd.Series, low: float | None = None, high: float | None = None) -> pd.Series:
    ok = pd.Series(True, index=s.index)
    if low is not None:
        ok &= passes(s >= low)
    if high is not None:
        ok &= passes(s <= high)
    return ok | s.isna()


def province_prefix(
    s: pd.Series,
    province_codes: Iterable[str],
    old_province_codes: Iterable[str],
    digits: int = 2,
) -> pd.Series:
    """The first `digits` characters are a province code, current or pre-2025."""
    known = set(province_codes) | set(old_province_codes)
    return passes(s.str.slice(0, digits).isin(list(known)) | s.isna())


def commune_in_province(
    communes: pd.Series, provinces: pd.Series, commune_province: Mapping[str, str]
) -> pd.Series:
    """The commune exists and lies in the row's province."""
    owner = communes.map(commune_province)
    return passes((owner == provinces) | communes.isna())


def age_in_years(born: pd.Series, on: pd.Series | pd.Timestamp) -> pd.Series:
    """Completed years of age on a date (NA where either date is missing)."""
    born = pd.to_datetime(born)
    on = (
        pd.to_datetime(on)
        if isinstance(on, pd.Series)
        else pd.Series(pd.Timestamp(on), index=born.index)
    )
    had_birthday = (on.dt.month > born.dt.month) | (
        (on.dt.month == born.dt.month) & (on.dt.day >= born.dt.day)
    )
    years = on.dt.year - born.dt.year - (~had_birthday).astype("Int64")
    return years.where(born.notna() & on.notna())


def age_between(
    born: pd.Series, on: pd.Series, low: int | None = None, high: int | None = None
) -> pd.Series:
    """Aged at least `low` and at most `high` completed years on the date `on`."""
    age = age_in_years(born, on)
    ok = pd.Series(True, index=age.index)
    if low is not None:
        ok &= passes(age >= low)
    if high is not None:
        ok &= passes(age <= high)
    return ok | age.isna()


def on_or_after(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """`later` is on or after `earlier`, compared as calendar dates."""
    a = pd.to_datetime(later).dt.normalize()
    b = pd.to_datetime(earlier).dt.normalize()
    return passes(a >= b) | either_missing(a, b)


def required_when(
    value: pd.Series, condition: pd.Series, raw: pd.Series | None = None
) -> pd.Series:
    """`value` is given where `condition` holds (an unreadable delivered value counts as
    given: it fails `format`, not this rule)."""
    given = value.notna() if raw is None else value.notna() | raw.notna()
    return passes(~condition.fillna(False).astype(bool) | given)


def prefix_equals(code: pd.Series, other: pd.Series, length: int) -> pd.Series:
    """The first `length` characters of `code` equal `other` on the same row."""
    return passes(code.str.slice(0, length) == other) | either_missing(code, other)


def implies(condition: pd.Series, consequence: pd.Series) -> pd.Series:
    """Where `condition` is true, `consequence` is true (missing either: passes)."""
    return passes(~condition.astype("boolean") | consequence.astype("boolean"))


def same_truth(a: pd.Series, b: pd.Series) -> pd.Series:
    """Two yes/no values agree (missing either: passes)."""
    return passes(a.astype("boolean") == b.astype("boolean"))
