"""A progress or feedback table as a person reads it (the progress workbook, the provinces'
feedback files): names beside or instead of codes, Vietnamese first, booleans as có / không.

The warehouse keeps codes (`kcb`, `p79`, `82`, `tthc`) and English values (`green`,
`received`, True) so that analysts can join and filter; a sheet an official opens shows
what they stand for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.report.labels import (
    BANDS,
    BOOLEANS,
    CRITERIA,
    METRICS,
    RATINGS,
    SEVERITIES,
    STATUSES,
    SUBJECTS,
    bilingual,
    database_name,
    dataset_name,
    source_name,
)

# Values shown as their "Vietnamese / English" label, by column.
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "status": STATUSES,
    "criterion": CRITERIA,
    "severity": SEVERITIES,
    "rating": RATINGS,
    "metric": METRICS,
    "band_status": BANDS,
    "cost_target_status": BANDS,
}

# Code columns, moved to the end of a table by `readable(..., codes_last=True)`.
CODE_COLUMNS = ("source", "province_code", "database_id", "dataset", "subject")


def _subject(code: str) -> str:
    if code in SUBJECTS:
        return SUBJECTS[code][0]
    return database_name(code)[0]


def _is_bool(value: object) -> bool:
    return isinstance(value, (bool, np.bool_))


def readable(
    frame: pd.DataFrame, provinces: dict[str, str] | None = None, *, codes_last: bool = False
) -> pd.DataFrame:
    """`frame` with statuses, criteria, severities, ratings, metrics and bands as their
    "Vietnamese / English" labels, booleans as có / không, and a Vietnamese name column
    beside each code column that has none (`source_name`, `province_name`, `database_name`,
    `dataset_name`, `subject_name`). With `codes_last` the code columns move to the end of
    the table (kept for filters and joins), so that the first columns read as names."""
    provinces = provinces or {}
    out = frame.copy()
    for column, labels in VALUE_LABELS.items():
        if column in out.columns:
            out[column] = [
                bilingual(labels[v]) if isinstance(v, str) and v in labels else v
                for v in out[column]
            ]
    for column in out.columns:
        values = out[column]
        if (
            pd.api.types.is_bool_dtype(values)
            or column == "expected"
            or (values.dtype == object and any(_is_bool(v) for v in values))
        ):
            out[column] = [BOOLEANS[bool(v)] if _is_bool(v) else v for v in values]
    namers = {
        "source": ("source_name", lambda c: source_name(c, provinces)),
        "province_code": ("province_name", lambda c: source_name(c, provinces)),
        "database_id": ("database_name", lambda c: database_name(c)[0]),
        "dataset": ("dataset_name", lambda c: dataset_name(c)[0]),
        "subject": ("subject_name", _subject),
    }
    for code, (name, namer) in namers.items():
        if code not in out.columns:
            continue
        has_name = name in out.columns or (code == "database_id" and "database_name_vi" in out)
        if not has_name:
            names = [namer(v) if isinstance(v, str) else None for v in out[code]]
            out.insert(list(out.columns).index(code) + 1, name, names)
    if codes_last:
        codes = [c for c in CODE_COLUMNS if c in out.columns]
        out = out[[c for c in out.columns if c not in codes] + codes]
    return out
