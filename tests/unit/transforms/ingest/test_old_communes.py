"""Commune codes from before 1 July 2025 (QUALITY.md, "Old commune codes"): mapped to their
successor before `in_province` judges the row, the delivered code kept beside it, a divided
commune warned, an unknown code refused, a current code always read as current."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import RUN_DATE, rule_settings
from tests.factories import failures, row
from transforms.ingest import stager as ingest
from transforms.ingest.context import make_context
from transforms.ingest.headers import map_headers
from transforms.ingest.parsing import canonical_text, parse_frame
from transforms.ingest.readers.base import UNLIMITED
from transforms.ingest.stage import StageFile, StageParams, make_bundles, stage_bundle
from validations.registry import DATASETS

COMMUNE_DATASETS = [ds for ds in DATASETS.values() if "commune_code" in ds.column_names]

# (delivered province, delivered commune, commune loaded, original kept, rules failed); the
# codes are those of the shipped crosswalk (transforms/reference/commune_crosswalk_2025.csv).
CASES = [
    ("01", "00070", "00070", None, set()),  # current (also a divided old code): read as current
    ("01", "00001", "00097", "00001", set()),  # Phúc Xá, merged into Hồng Hà (01)
    ("01", "1", "00097", "00001", set()),  # a spreadsheet dropped its zeros
    ("01", "00007", "00008", "00007", {"commune_divided"}),  # Cống Vị, divided: default Ngọc Hà
    ("01", "99999", "99999", None, {"in_province"}),  # in neither list
    ("08", "00001", "00097", "00001", {"in_province"}),  # an old code of another province
    ("08", "00692", "00691", "00692", set()),  # old Hà Giang commune, now in province 08 ...
    ("02", "00692", "00691", "00692", set()),  # ... with the old province code too
    ("01", "", None, None, set()),  # not given: the `required` rule's job, where there is one
]


def _parsed(dataset: str, rows: list[dict[str, str]], ref) -> pd.DataFrame:
    ds = DATASETS[dataset]
    raw = pd.DataFrame(rows, dtype="str")
    return parse_frame(canonical_text(raw, ds, map_headers(list(raw.columns), ds)), ds, ref)


def _values(s: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in s]


@pytest.mark.parametrize("ds", COMMUNE_DATASETS, ids=[ds.id for ds in COMMUNE_DATASETS])
def test_every_dataset_with_a_commune_gets_the_mapping_and_the_warning(ds, ref):
    ctx = make_context(RUN_DATE, ds.delivered_by, ref, rule_settings())
    rows = [row(ds.id, province_code=p, commune_code=c) for p, c, *_ in CASES]
    frame = _parsed(ds.id, rows, ref)
    assert _values(frame["commune_code"]) == [c for _, _, c, _, _ in CASES]
    assert _values(frame["commune_code_original"]) == [o for _, _, _, o, _ in CASES]
    required = ds.column("commune_code").required
    for (_, given, *_, expected), found in zip(CASES, failures(ds.id, rows, ctx, ref), strict=True):
        wanted = {f"{ds.id}.commune_code.{rule}" for rule in expected}
        if required and not given:
            wanted.add(f"{ds.id}.commune_code.required")
        assert found == wanted, given
    divided = next(r for r in ds.rules if r.id.endswith(".commune_divided"))
    assert (divided.criterion, divided.severity) == ("clean", "warning")


def test_a_header_named_like_the_derived_column_is_not_read_into_it(ref):
    rows = [row("visits", commune_code="00001") | {"commune_code_original": "12345"}]
    headers = map_headers(list(rows[0]), DATASETS["visits"])
    assert headers.extras == ["commune_code_original"]
    assert _parsed("visits", rows, ref)["commune_code_original"].tolist() == ["00001"]


def _csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_each_file_notes_how_many_old_codes_it_delivered(tmp_path):
    """Counted across batches that mix files (2 rows a batch): 3 in a.csv, none in b.csv."""
    a = _csv(
        tmp_path / "a.csv",
        [
            row("births", certificate_no=f"A{i}", commune_code=c)
            for i, c in enumerate(["00001", "00070", "00007", "99999", "00006"])
        ],
    )
    b = _csv(tmp_path / "b.csv", [row("births", certificate_no=f"B{i}") for i in range(3)])
    files = [StageFile(i, str(p), "csv", p.name, p.stat().st_size) for i, p in enumerate((a, b), 1)]
    params = StageParams(
        run_date=RUN_DATE,
        reference_dir=None,
        run_id="r1",
        limits=ingest.ReadLimits(
            batch_rows=2,
            max_bytes=10**6,
            max_expanded_bytes=10**7,
            max_compression_ratio=200.0,
            shape=UNLIMITED,
        ),
        rules=rule_settings(),
        duckdb_memory_limit="256MB",
    )
    result = stage_bundle(make_bundles("births", files, 10**6)[0], params, tmp_path / "stage")
    first, second = result.files
    assert [n for n in first.notes if "commune" in n] == [
        "3 mã xã cũ (trước 1/7/2025) đã chuyển sang mã xã mới, mã gửi giữ ở "
        "commune_code_original | 3 pre-July-2025 commune codes mapped to their successors, "
        "the delivered codes kept in commune_code_original"
    ]
    assert not [n for n in second.notes if "commune" in n]
