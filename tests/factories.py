"""Valid rows by default, with overrides for the case at hand, and a helper that runs a
dataset's row rules on them exactly as the pipeline does (map, parse, validate)."""

from __future__ import annotations

import pandas as pd

from transforms.ingest.headers import map_headers
from transforms.ingest.parsing import canonical_text, parse_frame
from transforms.reference import Reference
from validations.model import Context
from validations.registry import DATASETS
from validations.schema import find_failures


def facility_row(**overrides: str) -> dict[str, str]:
    row = {
        "facility_code": "01001",
        "facility_name": "Bệnh viện Đa khoa Hà Nội",
        "facility_type": "hospital",
        "ownership": "public",
        "province_code": "01",
        "commune_code": "00070",  # Phường Hoàn Kiếm, Hà Nội
        "license_no": "00123/BYT-GPHĐ",
        "status": "active",
        "beds": "500",
        "updated_at": "2026-11-20 08:00:00",
    }
    return {**row, **overrides}


def visit_row(**overrides: str) -> dict[str, str]:
    row = {
        "visit_id": "2611240100000001",
        "facility_code": "01001",
        "patient_id": "001090012345",  # Hà Nội, male, born 1990
        "patient_name": "Nguyễn Văn An",
        "birth_date": "1990-05-17",
        "sex": "M",
        "insurance_card": "DN4010123456789",
        "visit_type": "01",
        "admitted_at": "2026-11-20 08:30:00",
        "discharged_at": "2026-11-22 10:00:00",
        "icd10_main": "J18.9",
        "icd10_secondary": "I10;E11.9",
        "total_cost": "1000000",
        "insurance_paid": "800000",
        "patient_paid": "200000",
        "other_paid": "0",
        "province_code": "01",
        "commune_code": "00070",
        "updated_at": "2026-11-24 09:00:00",
    }
    return {**row, **overrides}


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
