"""Unicode normalisation and header folding: Vietnamese text is data."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def fold(name: str) -> str:
    """A header's matching key: no diacritics, lower case, words joined by `_`.

    `Mã cơ sở`, `MA  CO SO` and `ma_co_so` all fold to `ma_co_so`.
    """
    decomposed = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9+]+", "_", bare.lower()).strip("_")


def clean_text(s: pd.Series) -> pd.Series:
    """NFC, trimmed, with empty strings as missing; keeps every diacritic."""
    # pyarrow normalises and trims in C++; pandas' .str.normalize calls Python per value.
    values = arrow_text(s)
    # NFC leaves ASCII text as it is: normalise the rest, each distinct value once (names
    # repeat, and normalising costs ten times more than finding the distinct values).
    other = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
    if pc.any(other).as_py():
        distinct = values.filter(other).dictionary_encode()
        normalised = pc.utf8_normalize(distinct.dictionary, "NFC").take(distinct.indices)
        values = pc.replace_with_mask(values, other, normalised)
    values = pc.utf8_trim_whitespace(values)
    return pd.Series(pc.if_else(pc.equal(values, ""), None, values), index=s.index, dtype="str")


def fold_values(s: pd.Series) -> pd.Series:
    """Lower-case NFC values for matching code-list spellings (`Nữ`, `NỮ`, `nữ`)."""
    return s.str.lower().str.normalize("NFC")


def arrow_text(s: pd.Series) -> pa.Array:
    """The values of a Series as text, in one Arrow array (missing values null)."""
    values = pa.array(s.astype("str").array)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
