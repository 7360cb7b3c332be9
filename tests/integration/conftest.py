"""Integration fixtures: one Prefect test server for the whole session (it costs ~10 s),
a pseudonymisation key in the environment, and a helper that runs a real night."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(autouse=True, scope="session")
def prefect_server() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch) -> str:
    key = secrets.token_hex(32)
    monkeypatch.setenv("VNHEALTH_PSEUDONYM_KEY", key)
    return key


@pytest.fixture
def night(tmp_path: Path):
    """`night(landing, run_date, **params)` runs the real flow into tmp_path's warehouse
    and returns (summary, warehouse path, restricted path)."""
    from flows.nightly import nightly

    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    restricted = tmp_path / "wh" / "restricted.duckdb"

    def run(landing: Path, run_date, **params):
        summary = nightly(run_date=run_date, landing=str(landing), warehouse=str(warehouse),
                          restricted=str(restricted), **params)
        return summary, warehouse, restricted

    return run
