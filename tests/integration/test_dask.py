"""The same night staged on a local Dask cluster (2 worker processes, small bundles and
batches) publishes the same warehouse as the default in-process runner."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from flows.nightly import make_task_runner, nightly
from flows.settings import Settings
from sample.generate.night import NightSpec, generate
from tests.conftest import RUN_DATE
from tests.integration.test_nightly import _snapshot
from transforms.reference import load
from transforms.warehouse import compare


def _run_specific(warehouse: Path) -> dict[str, str]:
    """meta.files and dq.rule_results, without the columns that name the run or the clock."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, table in (("meta", "files"), ("dq", "rule_results")):
            rows = compare.rows(con, schema, table)
            out[f"{schema}.{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def test_a_night_staged_on_dask_publishes_the_same_warehouse(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    generate(landing, NightSpec(run_date=RUN_DATE, scale=0.2, seed=3), load())
    a, b = tmp_path / "a" / "warehouse.duckdb", tmp_path / "b" / "warehouse.duckdb"
    params = dict(run_date=RUN_DATE, landing=str(landing))

    first = nightly(warehouse=str(a), restricted=str(a.with_name("restricted.duckdb")), **params)
    # Many bundles per dataset and small batches: the cut must not change any result.
    monkeypatch.setenv("VNHEALTH_STAGE_BUNDLE_BYTES", "100000")
    monkeypatch.setenv("VNHEALTH_BATCH_ROWS", "700")
    # As a deployment chooses it: from the environment, when the flow run starts.
    monkeypatch.setenv("VNHEALTH_TASK_RUNNER", "dask")
    monkeypatch.setenv("VNHEALTH_DASK_WORKERS", "2")
    second = nightly(warehouse=str(b), restricted=str(b.with_name("restricted.duckdb")), **params)

    assert first["files_loaded"] > 0 and first["files_rejected"] > 0
    for field in (
        "files",
        "files_loaded",
        "files_rejected",
        "files_duplicate",
        "rows_in",
        "rows_loaded",
        "rows_quarantined",
    ):
        assert second[field] == first[field], field
    snap_a, snap_b = _snapshot(a), _snapshot(b)
    assert any(t.startswith("core.") for t in snap_a)
    assert {t for t in snap_a if snap_a[t] != snap_b.get(t)} == set()
    assert _run_specific(a) == _run_specific(b)


def test_the_runner_follows_the_settings(monkeypatch):
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    monkeypatch.setenv("VNHEALTH_STAGE_WORKERS", "3")
    runner = nightly.task_runner.duplicate()
    assert isinstance(runner, ThreadPoolTaskRunner) and runner._max_workers == 3
    monkeypatch.setenv("VNHEALTH_TASK_RUNNER", "dask")
    monkeypatch.setenv("VNHEALTH_DASK_ADDRESS", "tcp://10.0.0.1:8786")
    runner = nightly.task_runner.duplicate()
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://10.0.0.1:8786"
    assert isinstance(make_task_runner(Settings()), DaskTaskRunner)
