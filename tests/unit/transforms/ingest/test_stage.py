"""Staging a bundle of files into Parquet, without the warehouse."""

from __future__ import annotations

import csv
import errno
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from tests.conftest import RUN_DATE, rule_settings
from tests.factories import facility_row
from transforms import sqlfiles
from transforms.ingest import failures
from transforms.ingest import stager as ingest
from transforms.ingest.stage import StageFile, StageParams, make_bundles, stage_bundle
from transforms.warehouse import loading
from validations.registry import DATASETS

SHAPE = ingest.ShapeLimits(
    max_line_bytes=10**5,
    max_columns=100,
    max_json_depth=16,
    max_record_chars=10**5,
    max_number_digits=30,
)


@pytest.mark.parametrize(
    "budget, sizes, expected",
    [
        (100, [10, 20, 30], [[10, 20, 30]]),
        (25, [10, 20, 30, 5], [[10], [20], [30], [5]]),
        (30, [10, 20, 100, 5, 5], [[10, 20], [100], [5, 5]]),
    ],
)
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


def _params(batch_rows: int = 1000) -> StageParams:
    return StageParams(
        run_date=RUN_DATE,
        reference_dir=None,
        run_id="r1",
        limits=ingest.ReadLimits(
            batch_rows=batch_rows,
            max_bytes=10**6,
            max_expanded_bytes=10**7,
            max_compression_ratio=200.0,
            shape=SHAPE,
        ),
        rules=rule_settings(),
        duckdb_memory_limit="256MB",
    )


def _scratch() -> duckdb.DuckDBPyConnection:
    """The run's scratch tables and the restricted file's base tables, empty."""
    con = duckdb.connect()
    sqlfiles.SqlFolder("transforms.warehouse").run(con, "stg_scratch")
    loading.ensure_stage_table(con, DATASETS["facilities"])
    con.execute("ATTACH ':memory:' AS rs")
    sqlfiles.SqlFolder("transforms.warehouse").run(con, "ddl_restricted")
    return con


def test_a_bundle_writes_the_scratch_tables_columns_and_drops_a_rejected_file(tmp_path):
    good = _csv(
        tmp_path / "a.csv", [facility_row(), facility_row(facility_code="01002", beds="many")]
    )
    bad = _csv(tmp_path / "b.csv", [{"facility_name": "x", "beds": "1"}] * 3)
    files = tuple(
        StageFile(i, str(p), "csv", p.name, p.stat().st_size)
        for i, p in enumerate((good, bad), start=1)
    )
    bundle = make_bundles("facilities", list(files), 10**6)[0]

    result = stage_bundle(bundle, _params(), tmp_path / "stage")

    ok, rejected = result.files
    assert (ok.file_id, ok.rows_in, ok.rejection) == (1, 2, None)
    assert rejected.rows_in == 0 and rejected.rejection.code == "missing_columns"
    expected = _scratch()
    for kind, table in (
        ("rows", "stg_facilities"),
        ("raw", "rs.store.raw__rows"),
        ("failures", "stg_failures"),
    ):
        path = result.paths[kind]
        assert Path(path).parent == tmp_path / "stage"
        got = expected.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
        want = expected.execute(f"DESCRIBE {table}").fetchall()
        assert [r[:2] for r in got] == [r[:2] for r in want], kind
    for kind in ("rows", "failures"):
        ids = expected.execute(f"SELECT DISTINCT _file_id FROM '{result.paths[kind]}'")
        assert ids.fetchall() == [(1,)], kind
    raw = expected.execute(
        f"SELECT run_id, dataset, source_file, row_number, raw->>'facility_code' "
        f"FROM '{result.paths['raw']}' ORDER BY row_number"
    ).fetchall()
    assert raw == [
        ("r1", "facilities", "a.csv", 1, "01001"),
        ("r1", "facilities", "a.csv", 2, "01002"),
    ]
    assert result.rows["raw"] == 2 and result.rows["rows"] == 2
    assert expected.execute(f"SELECT count(*) FROM '{result.paths['failures']}'").fetchone()[0]


def test_a_file_rejected_after_its_first_batches_leaves_nothing_behind(tmp_path):
    first = _csv(tmp_path / "a.csv", [facility_row(facility_code=f"0100{i}") for i in range(3)])
    late = tmp_path / "b.csv"
    _csv(late, [facility_row(facility_code=f"0200{i}") for i in range(5)])
    with late.open("a", encoding="utf-8") as fh:  # a surplus cell on the 6th data row
        fh.write(",".join(["x"] * (len(facility_row()) + 1)) + "\n")
    files = [
        StageFile(i, str(p), "csv", p.name, p.stat().st_size)
        for i, p in enumerate((first, late), start=1)
    ]
    bundle = make_bundles("facilities", files, 10**6)[0]

    result = stage_bundle(bundle, _params(batch_rows=2), tmp_path / "stage")

    assert result.files[1].rejection.code == "malformed_csv"
    con = duckdb.connect()
    assert con.execute(f"SELECT DISTINCT _file_id FROM '{result.paths['rows']}'").fetchall() == [
        (1,)
    ]
    assert con.execute(
        f"SELECT source_file, count(*) FROM '{result.paths['raw']}' GROUP BY ALL"
    ).fetchall() == [("a.csv", 3)]
    assert result.rows["raw"] == result.rows["rows"] == 3


def test_a_bundle_of_rejected_files_writes_nothing(tmp_path):
    bad = _csv(tmp_path / "b.csv", [{"facility_name": "x", "beds": "1"}] * 3)
    bundle = make_bundles("facilities", [StageFile(1, str(bad), "csv", "b.csv", 10)], 10**6)[0]

    result = stage_bundle(bundle, _params(), tmp_path / "stage")

    assert result.paths == {} and result.rows == {}
    assert list((tmp_path / "stage").iterdir()) == []


def test_an_unforeseen_error_rejects_its_file_and_the_bundle_goes_on(tmp_path):
    """Python's own int-string limit (4,300 digits), reached when the configured number
    limit is above it: no reader foresaw that error, and only its file is rejected."""
    first = _csv(tmp_path / "a.csv", [facility_row()])
    odd = tmp_path / "b.json"
    odd.write_text('[{"facility_code": "01002", "beds": ' + "7" * 5_000 + "}]", encoding="utf-8")
    last = _csv(tmp_path / "c.csv", [facility_row(facility_code="01003")])
    files = [
        StageFile(i, str(p), p.suffix[1:], p.name, p.stat().st_size)
        for i, p in enumerate((first, odd, last), start=1)
    ]
    bundle = make_bundles("facilities", files, 10**6)[0]
    params = _params()
    shape = replace(SHAPE, max_number_digits=10_000)
    params = replace(params, limits=replace(params.limits, shape=shape))

    result = stage_bundle(bundle, params, tmp_path / "stage")

    a, b, c = result.files
    assert (a.rows_in, a.rejection, c.rows_in, c.rejection) == (1, None, 1, None)
    assert b.rows_in == 0 and b.rejection.code == "failed"
    assert b.rejection.en.startswith("The file could not be processed (ValueError: Exceeds")
    assert b.rejection.vi.startswith("Không xử lý được tệp (lỗi ValueError: ")
    con = duckdb.connect()
    assert con.execute(
        f"SELECT DISTINCT _file_id FROM '{result.paths['rows']}' ORDER BY 1"
    ).fetchall() == [(1,), (3,)]


@pytest.mark.parametrize(
    "error, detail",
    [
        (
            ValueError("could not convert '001090012345' to float"),
            "ValueError: could not convert '…' to float",
        ),
        (KeyError("patient_id"), "KeyError: '…'"),
        (RecursionError(), "RecursionError"),
        (ValueError("id 001090012345 is odd\nsecond line"), "ValueError: id # is odd"),
    ],
)
def test_a_failure_names_the_error_but_no_cell(error, detail):
    assert failures.error_detail(error) == detail
    assert failures.file_failure(MemoryError()).code == "out_of_memory"


def test_a_full_disk_is_the_nights_error_not_a_files():
    assert failures.is_night_error(OSError(errno.ENOSPC, "No space left on device"))
    assert failures.is_night_error(KeyboardInterrupt())
    assert not failures.is_night_error(OSError(errno.ENOENT, "gone"))
    assert not failures.is_night_error(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogate"))
