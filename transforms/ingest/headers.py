"""Map a file's own headers to a dataset's canonical columns."""

from __future__ import annotations

from dataclasses import dataclass, field

from transforms.text import fold
from validations.model import Dataset


@dataclass
class HeaderMap:
    rename: dict[str, str] = field(default_factory=dict)  # delivered header -> column
    sums: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> delivered parts
    extras: list[str] = field(default_factory=list)  # delivered headers with no column
    missing_required: list[str] = field(default_factory=list)


def map_headers(headers: list[str], ds: Dataset) -> HeaderMap:
    """Match delivered headers by canonical name or Vietnamese alias, ignoring case,
    diacritics and spacing; a column delivered as parts (`T_BNCCT + T_BNTT`) is summed."""
    by_key: dict[str, str] = {}
    for col in ds.columns:
        if col.derived_from is not None:
            continue  # filled by the pipeline: a delivered header of that name is an extra
        for name in (col.name, *col.vi):
            by_key.setdefault(fold(name), col.name)
    result = HeaderMap()
    folded = {h: fold(str(h)) for h in headers}
    for header, key in folded.items():
        column = by_key.get(key)
        if column and column not in result.rename.values():
            result.rename[header] = column
        else:
            result.extras.append(header)
    present = set(result.rename.values())
    for col in ds.columns:
        if col.name in present or not col.sum_of:
            continue
        parts = tuple(h for part in col.sum_of for h, k in folded.items() if k == fold(part))
        if parts:
            result.sums[col.name] = parts
            result.extras = [h for h in result.extras if h not in parts]
            present.add(col.name)
    result.missing_required = [c for c in ds.required_columns if c not in present]
    return result
