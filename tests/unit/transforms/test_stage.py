"""Staging a bundle of files into Parquet, without the warehouse."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from tests.conftest import RUN_DATE
from tests.factories import facility_row
from transforms import ingest, sqlfiles
from transforms.reference import DEFAULT_DIR
from transforms.stage import StageFile, StageParams, make_bundles, stage_bundle
from validations.registry import DATASETS


@pytest.mark.parametrize("budget, sizes, expected", [
    (100, [10, 20, 30], [[10, 20, 30]]),
    (25, [10, 20, 30, 5], [[10], [20], [30], [5]]),
    (30, [10, 20, 100, 5, 5], [[10, 20], [100], [5, 5]]),
])
def test_bundles_keep_delivery_order_within_the_budget(budget, sizes, expected):
    files = [StageFile(i, f"/x/{i}.csv", "csv", f"{i}.csv", n) for i, n in enumerate(sizes, 1)]
    bundles = make_bundles("ds", files, budget)
    assert [[f.bytes for f in b.files] for b in bundles] == expected
    assert [b.index for b in bundles] == list(range(1, len(expected) + 1))
    assert [f.file_id for b in bundles for f in b.files] == list(range(1, len(sizes) + 1))


def _csv(path: Path, rows: list[dict]) -> StageFile:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_bundle_writes_the_scratch_tables_columns_and_drops_a_rejected_file(tmp_path):
    good = _csv(tmp_path / "a.csv", [facility_row(), facility_row(facility_code="01002",
                                                                  beds="many")])
    bad = _csv(tmp_path / "b.csv", [{"facility_name": "x", "beds": "1"}] * 3)
    files = tuple(StageFile(i, str(p), "csv", p.name, p.stat().st_size)
                  for i, p in enumerate((good, bad), start=1))
    params = StageParams(run_date=RUN_DATE, reference_dir=str(DEFAULT_DIR),
                         limits=ingest.ReadLimits(batch_rows=1000, max_bytes=10**6))
    bundle = make_bundles("facilities", list(files), 10**6)[0]

    result = stage_bundle(bundle, params, tmp_path / "stage")

    ok, rejected = result.files
    assert (ok.file_id, ok.rows_in, ok.rejection) == (1, 2, None)
    assert rejected.rows_in == 0 and rejected.rejection.code == "missing_columns"
    expected = duckdb.connect()
    sqlfiles.run(expected, "stg_scratch")
    ingest.ensure_stage_table(expected, DATASETS["facilities"])
    for kind, table in (("rows", "stg_facilities"), ("raw", "stg_raw"),
                        ("failures", "stg_failures")):
        path = result.paths[kind]
        assert Path(path).parent == tmp_path / "stage"
        got = expected.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
        want = expected.execute(f"DESCRIBE {table}").fetchall()
        assert [r[:2] for r in got] == [r[:2] for r in want], kind
        ids = expected.execute(f"SELECT DISTINCT _file_id FROM '{path}'").fetchall()
        assert ids in ([(1,)], []), kind
    assert expected.execute(f"SELECT count(*) FROM '{result.paths['raw']}'").fetchone() == (2,)
    assert expected.execute(f"SELECT count(*) FROM '{result.paths['failures']}'").fetchone()[0]
