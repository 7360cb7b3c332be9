"""Turn delivered text into typed canonical columns, one parser per column type.

Parsing never guesses on ambiguous input: `DD/MM/YYYY` is always day first (the
Vietnamese convention); a number's separator is read by what VND amounts can be (at most
two decimals). A value that cannot be read becomes missing in the typed column, while its
delivered text is kept beside it as `<column>__raw`, so that the `format` rule can tell
"cannot be read" from "not given".

A batch holds few distinct dates, amounts or codes: each distinct value is cleaned and parsed
once (`_per_distinct`), and where Arrow or NumPy read a value as pandas would, they do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from transforms.ingest.headers import HeaderMap
from transforms.reference import Reference
from transforms.text import arrow_text, clean_text, fold, fold_values
from validations.model import LOCAL_TZ, PARSED_TYPES, Column, Dataset
from validations.standard import ORIGINAL_SUFFIX, RAW_SUFFIX

TIMESTAMP: Final = "datetime64[us]"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")

# Named fields: where they make a real calendar time, a layout is read without pandas
# (see `_read_datetimes`). `Y` year, `m` month, `d` day, `H` hour, `M` minute, `S` second.
_YMD = r"(?P<Y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
_DMY = r"(?P<d>[0-9]{1,2})/(?P<m>[0-9]{1,2})/(?P<Y>[0-9]{4})"
_COMPACT = r"(?P<Y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
_H, _M, _S = r"(?P<H>[0-9]{2})", r"(?P<M>[0-9]{2})", r"(?P<S>[0-9]{2})"
_H1 = r"(?P<H>[0-9]{1,2})"

# (regular expression, strptime format), tried in order; the first that matches is used.
_DATETIME_FORMATS: tuple[tuple[str, str], ...] = (
    (_YMD, "%Y-%m-%d"),
    (rf"{_YMD}[ T]{_H}:{_M}:{_S}", "ISO8601"),
    # database exports
    (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{1,9}", "ISO8601"),
    (rf"{_YMD}[ T]{_H}:{_M}", "ISO8601"),
    (_DMY, "%d/%m/%Y"),
    (rf"{_DMY} {_H1}:{_M}:{_S}", "%d/%m/%Y %H:%M:%S"),
    (rf"{_DMY} {_H1}:{_M}", "%d/%m/%Y %H:%M"),
    (_DMY.replace("/", "-"), "%d-%m-%Y"),
    (_COMPACT, "%Y%m%d"),
    (rf"{_COMPACT}{_H}{_M}", "%Y%m%d%H%M"),  # claims format
    (rf"{_COMPACT}{_H}{_M}{_S}", "%Y%m%d%H%M%S"),
)
_EXCEL_SERIAL = r"[0-9]{1,5}(?:\.[0-9]+)?"
# A bare year is not a date: 1800-2199 read as serials would land in 1904-1906 unnoticed.
_BARE_YEAR = r"(?:1[89]|2[01])[0-9]{2}"
_ISO_WITH_OFFSET = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})"
)

# Patterns say [0-9], not \d: pandas runs a pattern with \d in Python's `re`, value by value,
# whenever the column holds a non-ASCII value (and only 0-9 are digits in a date or a code).
# Python's `\s` (every character for which str.isspace() holds), spelled out so that pandas
# runs the regular expression in pyarrow (RE2): with `\s` or a `\u` escape in the pattern it
# falls back to Python's `re`, one call per value. Non-raw string: the characters themselves.
_SPACES = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

_TRUE = {"true", "1", "co", "yes", "y", "x", "dung"}
_FALSE = {"false", "0", "khong", "no", "n", "sai"}


def parse_datetime(s: pd.Series) -> pd.Series:
    """Local naive timestamps from every accepted layout; NaT where unreadable."""
    return _per_distinct(s, _datetimes)


def _datetimes(s: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=s.index, dtype=TIMESTAMP)
    rest = s[s.notna()]
    # A column usually holds one layout: match only what is still unread, and stop early.
    for pattern, fmt in _DATETIME_FORMATS:
        if rest.empty:
            return out
        hit = _fullmatch(rest, pattern)
        if hit.any():
            out[hit.index[hit]] = _read_datetimes(rest[hit], pattern, fmt)
            rest = rest[~hit]
    if rest.empty:
        return out
    hit = _fullmatch(rest, _ISO_WITH_OFFSET)
    if hit.any():
        aware = pd.to_datetime(rest[hit], errors="coerce", utc=True)
        out[hit.index[hit]] = aware.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).astype(TIMESTAMP)
        rest = rest[~hit]
    hit = _fullmatch(rest, _EXCEL_SERIAL) & ~_fullmatch(rest, _BARE_YEAR)
    if hit.any():
        days = pd.to_numeric(rest[hit], errors="coerce")
        # Excel counts a 29 February 1900 that never was: serial 60 is no date, and serials
        # before it are one day later than the 1899-12-30 epoch says.
        days = days.where((days >= 1) & (days < 2958466) & ((days < 60) | (days >= 61)))
        days = days.where(days >= 61, days + 1)
        out[hit.index[hit]] = (
            (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).dt.round("s").astype(TIMESTAMP)
        )
    return out


def _read_datetimes(text: pd.Series, pattern: str, fmt: str) -> np.ndarray:
    """`pd.to_datetime(text, format=fmt, errors="coerce")` as TIMESTAMP, for text that
    matches `pattern`.

    pandas takes about a microsecond a value. Where `pattern` names the fields, Arrow and NumPy
    read them in a twentieth of that, and their reading is used where pandas is sure to agree:
    a real calendar day from the year 1000 on, at a time before 24:00. pandas reads the rest
    with its own rules (it takes the year 0 in some layouts and a 60th second in others).
    """
    if "(?P<" not in pattern:
        return pd.to_datetime(text, format=fmt, errors="coerce").astype(TIMESTAMP).to_numpy()
    fields = pc.extract_regex(arrow_text(text), f"^{pattern}$")
    f = {
        name: pc.cast(pc.struct_field(fields, name), pa.int64()).to_numpy(zero_copy_only=False)
        for name in fields.type.names
    }
    year, month, day = f["Y"], f["m"], f["d"]
    hour, minute, second = (f.get(name, np.zeros_like(year)) for name in "HMS")
    first = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)
    days_in_month = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(
        "int64"
    )
    sure = (
        (year >= 1000)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= days_in_month)
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
    )
    stamps = (first.astype("datetime64[D]") + (day - 1)).astype(TIMESTAMP) + (
        (hour * 60 + minute) * 60 + second
    ).astype("timedelta64[s]")
    out = np.where(sure, stamps, np.datetime64("NaT"))
    if not sure.all():
        out[~sure] = (
            pd.to_datetime(text[~sure], format=fmt, errors="coerce").astype(TIMESTAMP).to_numpy()
        )
    return out


def _fullmatch(s: pd.Series, pattern: str) -> pd.Series:
    r"""`s.str.fullmatch(pattern)`, missing as False, for the layout patterns here (ASCII, no
    `$`, `\s` or `\d`: RE2 and Python's `re` read them alike). Run in RE2 directly: pandas
    first parses the pattern in Python, on every call, to choose its engine."""
    hit = pc.match_substring_regex(arrow_text(s), f"^(?:{pattern})$")
    return pd.Series(hit.fill_null(False).to_numpy(zero_copy_only=False), index=s.index)


def parse_date(s: pd.Series) -> pd.Series:
    """Calendar dates (a time part, if delivered, is dropped)."""
    return _per_distinct(s, _dates)


def _dates(s: pd.Series) -> pd.Series:
    return _datetimes(s).dt.normalize()


_NUMBER_LAYOUTS: tuple[tuple[str, str, str], ...] = (
    # (pattern, thousands separator, decimal separator)
    (r"-?[0-9]+", "", ""),
    # A thousands group never starts with 0: `0.500` and `0,500` are a half, not 500.
    (r"-?[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?", ".", ","),  # 1.234.567,50 (Vietnamese)
    (r"-?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?", ",", "."),  # 1,234,567.50
    (r"-?[0-9]+,[0-9]{1,2}", "", ","),  # 12,5
    (r"-?0,[0-9]+", "", ","),  # 0,500
    (r"-?[0-9]+\.[0-9]+", "", "."),  # 1234.5
    (r"-?[0-9]+\.[0-9]+[eE][+-]?[0-9]+", "", "."),  # 1.2E+06 (spreadsheets)
)


def parse_number(s: pd.Series) -> pd.Series:
    """Floats from `1.234.567,50`, `1,234,567.50`, `1234567.5` or `12,5`; NaN if unreadable.

    `1.234` and `1,234` are thousands: an amount in VND has at most two decimals.
    """
    return _per_distinct(s, _numbers)


def _numbers(s: pd.Series) -> pd.Series:
    t = s.str.replace(f"(?i)[{_SPACES}]|₫|đ$|VND$|vnđ$", "", regex=True)  # 100.000 VNĐ
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    rest = t[t.notna()]
    for pattern, thousands, decimal in _NUMBER_LAYOUTS:
        if rest.empty:
            break
        hit = _fullmatch(rest, pattern)
        if hit.any():
            v = rest[hit]
            if thousands:
                v = v.str.replace(thousands, "", regex=False)
            if decimal == ",":
                v = v.str.replace(",", ".", regex=False)
            out[hit.index[hit]] = _to_numeric(v)
            rest = rest[~hit]
    return out


# pandas reads a decimal as its digits taken as one integer, divided once by a power of ten.
# In text of at most 15 characters both are exact in a float64 (at most 15 digits, below
# 2**53; at most 14 decimals, below 10**22), so its one rounding is the correct one: the one
# Arrow's parser makes.
_EXACT_DECIMAL_CHARS = 15


def _to_numeric(v: pd.Series) -> pd.Series | np.ndarray:
    """What `pd.to_numeric(v, errors="coerce")` gives for the number text of one layout
    (separators already rewritten), read in Arrow where it is sure to give the same float64
    values, else by pandas."""
    text = arrow_text(v)
    if pc.any(pc.match_substring(text, "e", ignore_case=True)).as_py():
        return pd.to_numeric(v, errors="coerce")  # 1.2E+06: rare, and pandas' own rounding
    if not pc.any(pc.match_substring(text, ".")).as_py():
        # Integers: pandas reads them as int64 when all fit (`-0` is 0, not -0.0), and they
        # become floats only when they are stored.
        try:
            return pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False).astype("float64")
        except pa.ArrowInvalid:  # beyond int64: pandas' own rules (uint64, floats)
            return pd.to_numeric(v, errors="coerce")
    if pc.max(pc.binary_length(text)).as_py() <= _EXACT_DECIMAL_CHARS:
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    return pd.to_numeric(v, errors="coerce")


def parse_money(s: pd.Series) -> pd.Series:
    return _per_distinct(s, _money)


def parse_int(s: pd.Series) -> pd.Series:
    return _per_distinct(s, _ints)


def _money(s: pd.Series) -> pd.Series:
    return _numbers(s).round(2)


# Whole numbers a float holds exactly: beyond, the value read would not be the value given
# (and from 2**63 on it does not fit in BIGINT), so it is unreadable rather than altered.
_EXACT_INT = 2.0**53


def _ints(s: pd.Series) -> pd.Series:
    n = _numbers(s)
    return n.where((n == n.round()) & (n.abs() < _EXACT_INT)).astype("Int64")


def _per_value(s: pd.Series, func) -> pd.Series:
    """`func` applied once per distinct value (a column holds few), not once per row."""
    return s.map({v: func(v) for v in s.dropna().unique()})


def _per_distinct(s: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """The vectorised `func` run on the distinct values of `s` (missing included, in order of
    first appearance), its results spread back over the rows.

    A batch of 200,000 rows holds a few thousand dates or amounts: parsing each once is most
    of the saving. This gives what `func(s)` gives as long as a value's result depends on at
    most the set of values beside it and the first of them (pandas guesses the layout of
    offset timestamps from the first), which holds for every parser here.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    return _spread(func(pd.Series(uniques, name=s.name)), codes, s.index)


def _spread(distinct: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(distinct.array.take(codes), index=index, name=distinct.name)


def parse_bool(s: pd.Series) -> pd.Series:
    return _per_distinct(s, _bools)


def _bools(s: pd.Series) -> pd.Series:
    key = _per_value(s, fold)
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[key.isin(list(_TRUE))] = True
    out[key.isin(list(_FALSE))] = False
    return out


def pad_digits(s: pd.Series, width: int) -> pd.Series:
    """Zero-pad all-digit codes that a spreadsheet shortened (`1` -> `01`)."""
    return _per_distinct(s, lambda u: _padded(u, width))


def _padded(s: pd.Series, width: int) -> pd.Series:
    s = s.str.replace(r"^([0-9]+)\.0$", r"\1", regex=True)
    digits = _fullmatch(s, r"[0-9]+")
    return s.where(~digits, s.str.zfill(width))


def parse_enum(s: pd.Series, col: Column) -> pd.Series:
    return _per_distinct(s, lambda u: _enums(u, col))


def _enums(s: pd.Series, col: Column) -> pd.Series:
    lookup = {fold_values(pd.Series([v])).iloc[0]: v for v in col.values}
    lookup.update({k.lower(): v for k, v in col.synonyms.items()})
    keys = fold_values(s)
    mapped = keys.map(lookup)
    return mapped.where(mapped.notna(), s).astype("str")


def _typed(s: pd.Series, col: Column, ref: Reference) -> pd.Series:
    if col.width and col.type in {"code", "province", "commune", "enum"}:
        s = _padded(s, col.width)
    match col.type:
        case "date":
            return _dates(s)
        case "datetime":
            return _datetimes(s)
        case "money":
            return _money(s)
        case "int":
            return _ints(s)
        case "bool":
            return _bools(s)
        case "enum":
            return _enums(s, col)
        case "province":
            return _per_value(s, lambda v: ref.current_province(v) or v).astype("str")
        case "person_id":
            return _person_ids(s)
        case _:
            return s


def _person_ids(s: pd.Series) -> pd.Series:
    """Upper case, without spaces, dots or dashes: `001 090.012-345` -> `001090012345`."""
    ids = pc.utf8_upper(arrow_text(s))
    # Most ids are letters and digits only, with nothing to remove: the regular expression
    # runs on the others alone (over every id it took three quarters of the time).
    other = pc.invert(pc.fill_null(pc.ascii_is_alnum(ids), True))
    if pc.any(other).as_py():
        removed = pc.replace_substring_regex(ids.filter(other), f"[{_SPACES}.\\-]", "")
        ids = pc.replace_with_mask(ids, other, removed)
    return pd.Series(ids, index=s.index, name=s.name, dtype="str")


def _given_and_typed(raw: pd.Series, col: Column, ref: Reference) -> tuple[pd.Series, pd.Series]:
    """`clean_text(raw)` and the column typed from it."""
    if col.type in {"text", "code", "commune", "person_id"} and not col.width:
        # nearly every value distinct (ids, names): nothing to share
        given = clean_text(raw)
        return given, _typed(given, col, ref)
    return _clean_and_parse(raw, lambda given: _typed(given, col, ref))


def _clean_and_parse(
    raw: pd.Series, parse: Callable[[pd.Series], pd.Series]
) -> tuple[pd.Series, pd.Series]:
    """`clean_text(raw)` and `parse` of it, each distinct delivered value cleaned and parsed
    once (see `_per_distinct`)."""
    raw = raw.astype("str")
    codes, uniques = pd.factorize(raw, use_na_sentinel=False)
    given = clean_text(pd.Series(uniques, name=raw.name))
    return _spread(given, codes, raw.index), _spread(parse(given), codes, raw.index)


PART = "__part"  # `<column>__part<i>`: one part of a column delivered as a sum


def canonical_text(raw: pd.DataFrame, ds: Dataset, headers: HeaderMap) -> pd.DataFrame:
    """A file's delivered text under the dataset's column names: every column (missing where
    not delivered) and, for a column delivered in parts (`T_BNCCT + T_BNTT`), the parts as
    `<column>__part<i>`. Nothing is cleaned or parsed yet: that is done once per batch
    gathered across files, where the cost of each vectorised step is shared."""
    by_column = {column: header for header, column in headers.rename.items()}
    out: dict[str, pd.Series] = {}
    for col in ds.columns:
        header = by_column.get(col.name)
        out[col.name] = raw[header].astype("str") if header is not None else _missing(raw.index)
        for i, part in enumerate(headers.sums.get(col.name, ())):
            out[f"{col.name}{PART}{i}"] = raw[part].astype("str")
    return pd.DataFrame(out, index=raw.index)


def parse_frame(text: pd.DataFrame, ds: Dataset, ref: Reference) -> pd.DataFrame:
    """The canonical, typed frame of a batch of `canonical_text` rows: every column of the
    dataset, with `<column>__raw` (the cleaned delivered text) beside each parsed column."""
    out: dict[str, pd.Series] = {}
    for col in ds.columns:
        if col.derived_from is not None:
            continue  # filled with the column it comes from, just before it
        given, typed = _given_and_typed(text[col.name], col, ref)
        parts = [c for c in text.columns if c.startswith(col.name + PART)]
        if parts:
            total, summed_text, from_parts = _sum_parts(
                [_clean_and_parse(text[c], _money) for c in parts]
            )
            use_parts = given.isna() & from_parts
            typed = typed.mask(use_parts, total)
            given = given.mask(use_parts, summed_text)
        if col.type == "commune":
            typed, original = commune_successors(typed, ref)
            out[col.name], out[col.name + ORIGINAL_SUFFIX] = typed, original
            continue
        out[col.name] = typed
        if col.type in PARSED_TYPES:
            out[col.name + RAW_SUFFIX] = given
    return pd.DataFrame(out, index=text.index)


def commune_successors(codes: pd.Series, ref: Reference) -> tuple[pd.Series, pd.Series]:
    """(codes with each pre-2025 code replaced by its default successor, the replaced codes
    as delivered (missing elsewhere)). A code in the current list is never replaced (no
    current code is a key of `commune_successor`); an unknown code is kept, for the
    `in_province` rule to refuse."""
    old = codes.isin(list(ref.commune_successor))
    if not old.any():
        return codes, _missing(codes.index)
    return codes.mask(old, codes[old].map(ref.commune_successor)), codes.where(old)


def _sum_parts(parts: list[tuple[pd.Series, pd.Series]]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """From each part's (cleaned text, amount): the sum of amounts delivered in parts (missing
    if any given part is unreadable), the parts' text joined by ` + `, and where any part was
    given."""
    texts = [t for t, _ in parts]
    total = parts[0][1]
    for _, n in parts[1:]:
        total = total.add(n, fill_value=0)
    unreadable = pd.concat([t.notna() & n.isna() for t, n in parts], axis=1).any(axis=1)
    any_given = pd.concat([t.notna() for t in texts], axis=1).any(axis=1)
    # what `texts[0].str.cat(texts[1:], sep=" + ", na_rep="")` gives, in Arrow
    text = pc.binary_join_element_wise(
        *(arrow_text(t).fill_null("") for t in texts), pa.scalar(" + ", pa.large_string())
    )
    text = pd.Series(text, index=texts[0].index, dtype="str")
    return total.mask(unreadable), text.where(any_given), any_given


def _missing(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="str")
