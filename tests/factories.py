"""Valid rows by default (each dataset's example row), with overrides for the case at hand,
and a helper that runs a dataset's row rules on them exactly as the pipeline does (map,
parse, validate)."""

from __future__ import annotations

import pandas as pd

from transforms.ingest.headers import map_headers
from transforms.ingest.parsing import canonical_text, parse_frame
from transforms.reference import Reference
from validations.model import Context
from validations.registry import DATASETS
from validations.schema import find_failures


def row(dataset: str, **overrides: str) -> dict[str, str]:
    """The dataset's valid example row (`Dataset.example`) with `overrides`."""
    example = DATASETS[dataset].example
    unknown = set(overrides) - set(example)
    if unknown:
        raise KeyError(f"{dataset} has no column {sorted(unknown)}")
    return {**example, **overrides}


# The two rows most tests deliver; they accept extra (unmapped) headers as overrides.
def facility_row(**overrides: str) -> dict[str, str]:
    return {**DATASETS["facilities"].example, **overrides}


def visit_row(**overrides: str) -> dict[str, str]:
    return {**DATASETS["visits"].example, **overrides}


def failures(dataset: str, rows: list[dict], ctx: Context, ref: Reference) -> list[set[str]]:
    """The rule ids each row fails, in row order (row rules only: set rules run in SQL)."""
    ds = DATASETS[dataset]
    raw = pd.DataFrame(rows, dtype="str")
    headers = map_headers(list(raw.columns), ds)
    typed = parse_frame(canonical_text(raw, ds, headers), ds, ref)
    found = find_failures(typed, ds, ctx)
    out: list[set[str]] = [set() for _ in rows]
    for row, rule_id in zip(found["row"], found["rule_id"], strict=True):
        out[row].add(rule_id)
    return out
