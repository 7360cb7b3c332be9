"""Turn delivered text into typed canonical columns, one parser per column type.

Parsing never guesses on ambiguous input: `DD/MM/YYYY` is always day first (the
Vietnamese convention); a number's separator is read by what VND amounts can be (at most
two decimals). A value that cannot be read becomes missing in the typed column, while its
delivered text is kept beside it as `<column>__raw`, so that the `format` rule can tell
"cannot be read" from "not given".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.headers import HeaderMap
from transforms.reference import Reference
from transforms.text import clean_text, fold, fold_values
from validations.model import PARSED_TYPES, Column, Dataset
from validations.standard import RAW_SUFFIX

TIMESTAMP = "datetime64[us]"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")

# (regular expression, strptime format), tried in order; the first that matches is used.
_DATETIME_FORMATS: tuple[tuple[str, str], ...] = (
    (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"),
    (r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}", "ISO8601"),
    (r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", "ISO8601"),
    (r"\d{1,2}/\d{1,2}/\d{4}", "%d/%m/%Y"),
    (r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}", "%d/%m/%Y %H:%M:%S"),
    (r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}", "%d/%m/%Y %H:%M"),
    (r"\d{1,2}-\d{1,2}-\d{4}", "%d-%m-%Y"),
    (r"\d{8}", "%Y%m%d"),
    (r"\d{12}", "%Y%m%d%H%M"),  # claims format
    (r"\d{14}", "%Y%m%d%H%M%S"),
)
_EXCEL_SERIAL = r"\d{1,5}(?:\.\d+)?"
_ISO_WITH_OFFSET = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})"
LOCAL_TZ = "Asia/Ho_Chi_Minh"

_TRUE = {"true", "1", "co", "yes", "y", "x", "dung"}
_FALSE = {"false", "0", "khong", "no", "n", "sai"}


def parse_datetime(s: pd.Series) -> pd.Series:
    """Local naive timestamps from every accepted layout; NaT where unreadable."""
    out = pd.Series(pd.NaT, index=s.index, dtype=TIMESTAMP)
    todo = s.notna()
    for pattern, fmt in _DATETIME_FORMATS:
        hit = todo & s.str.fullmatch(pattern).fillna(False).astype(bool)
        if hit.any():
            out[hit] = pd.to_datetime(s[hit], format=fmt, errors="coerce").astype(TIMESTAMP)
            todo &= ~hit
    hit = todo & s.str.fullmatch(_ISO_WITH_OFFSET).fillna(False).astype(bool)
    if hit.any():
        aware = pd.to_datetime(s[hit], errors="coerce", utc=True)
        out[hit] = aware.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).astype(TIMESTAMP)
        todo &= ~hit
    hit = todo & s.str.fullmatch(_EXCEL_SERIAL).fillna(False).astype(bool)
    if hit.any():
        days = pd.to_numeric(s[hit], errors="coerce")
        days = days.where((days >= 1) & (days < 2958466))
        out[hit] = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).dt.round("s").astype(TIMESTAMP)
    return out


def parse_date(s: pd.Series) -> pd.Series:
    """Calendar dates (a time part, if delivered, is dropped)."""
    return parse_datetime(s).dt.normalize()


_NUMBER_LAYOUTS: tuple[tuple[str, str, str], ...] = (
    # (pattern, thousands separator, decimal separator)
    (r"-?\d+", "", ""),
    (r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?", ".", ","),  # 1.234.567,50 (Vietnamese)
    (r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", ",", "."),  # 1,234,567.50
    (r"-?\d+,\d{1,2}", "", ","),  # 12,5
    (r"-?\d+\.\d+", "", "."),  # 1234.5
    (r"-?\d+\.\d+[eE][+-]?\d+", "", "."),  # 1.2E+06 (spreadsheets)
)


def parse_number(s: pd.Series) -> pd.Series:
    """Floats from `1.234.567,50`, `1,234,567.50`, `1234567.5` or `12,5`; NaN if unreadable.

    `1.234` and `1,234` are thousands: an amount in VND has at most two decimals.
    """
    t = s.str.replace(r"[\s\u00a0]|₫|đ$|VND$|vnđ$", "", regex=True)
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    todo = t.notna()
    for pattern, thousands, decimal in _NUMBER_LAYOUTS:
        hit = todo & t.str.fullmatch(pattern).fillna(False).astype(bool)
        if hit.any():
            v = t[hit]
            if thousands:
                v = v.str.replace(thousands, "", regex=False)
            if decimal == ",":
                v = v.str.replace(",", ".", regex=False)
            out[hit] = pd.to_numeric(v, errors="coerce")
            todo &= ~hit
    return out


def parse_money(s: pd.Series) -> pd.Series:
    return parse_number(s).round(2)


def parse_int(s: pd.Series) -> pd.Series:
    n = parse_number(s)
    return n.where(n == n.round()).astype("Int64")


def parse_bool(s: pd.Series) -> pd.Series:
    key = s.map(fold, na_action="ignore")
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[key.isin(list(_TRUE))] = True
    out[key.isin(list(_FALSE))] = False
    return out


def pad_digits(s: pd.Series, width: int) -> pd.Series:
    """Zero-pad all-digit codes that a spreadsheet shortened (`1` -> `01`)."""
    s = s.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    digits = s.str.fullmatch(r"\d+").fillna(False).astype(bool)
    return s.where(~digits, s.str.zfill(width))


def parse_enum(s: pd.Series, col: Column) -> pd.Series:
    lookup = {fold_values(pd.Series([v])).iloc[0]: v for v in col.values}
    lookup.update({k.lower(): v for k, v in col.synonyms.items()})
    keys = fold_values(s)
    mapped = keys.map(lookup)
    return mapped.where(mapped.notna(), s).astype("str")


def _typed(s: pd.Series, col: Column, ref: Reference) -> pd.Series:
    if col.width and col.type in {"code", "province", "commune", "enum"}:
        s = pad_digits(s, col.width)
    match col.type:
        case "date":
            return parse_date(s)
        case "datetime":
            return parse_datetime(s)
        case "money":
            return parse_money(s)
        case "int":
            return parse_int(s)
        case "bool":
            return parse_bool(s)
        case "enum":
            return parse_enum(s, col)
        case "province":
            return s.map(lambda v: ref.current_province(v) or v, na_action="ignore").astype("str")
        case "person_id":
            return s.str.upper().str.replace(r"[\s.\-]", "", regex=True)
        case _:
            return s


def parse_frame(raw: pd.DataFrame, ds: Dataset, headers: HeaderMap, ref: Reference) -> pd.DataFrame:
    """The canonical, typed frame of a batch: every column of the dataset (missing where not
    delivered), with `<column>__raw` beside each parsed column."""
    out: dict[str, pd.Series] = {}
    by_column = {column: header for header, column in headers.rename.items()}
    for col in ds.columns:
        if col.name in headers.sums:
            parts = [clean_text(raw[h]) for h in headers.sums[col.name]]
            numbers = [parse_money(p) for p in parts]
            total = numbers[0]
            for n in numbers[1:]:
                total = total.add(n, fill_value=0)
            text = parts[0].str.cat(parts[1:], sep=" + ", na_rep="")
            any_given = pd.concat([p.notna() for p in parts], axis=1).any(axis=1)
            unreadable = pd.concat(
                [p.notna() & n.isna() for p, n in zip(parts, numbers, strict=True)], axis=1
            ).any(axis=1)
            out[col.name] = total.mask(unreadable)
            out[col.name + RAW_SUFFIX] = text.where(any_given)
            continue
        header = by_column.get(col.name)
        text = clean_text(raw[header]) if header is not None else _missing(raw.index)
        out[col.name] = _typed(text, col, ref)
        if col.type in PARSED_TYPES:
            out[col.name + RAW_SUFFIX] = text
    return pd.DataFrame(out, index=raw.index)


def _missing(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="str")
