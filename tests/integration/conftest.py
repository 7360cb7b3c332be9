"""Integration fixtures: one Prefect test server for the whole session (it costs ~10 s),
a pseudonymisation key in the environment, and a helper that runs a real night."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(autouse=True, scope="session")
def prefect_server() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(autouse=True, scope="session")
def pseudonym_key() -> Iterator[str]:
    """One key for the session, as in production: the same key every night."""
    key = secrets.token_hex(32)
    before = os.environ.get("VNHEALTH_PSEUDONYM_KEY")
    os.environ["VNHEALTH_PSEUDONYM_KEY"] = key
    yield key
    if before is None:
        os.environ.pop("VNHEALTH_PSEUDONYM_KEY", None)
    else:
        os.environ["VNHEALTH_PSEUDONYM_KEY"] = before


def run_night(
    landing: Path, run_date, warehouse: Path, restricted: Path | None = None, **params
) -> dict:
    """The real flow into the given files; returns its summary."""
    from flows.nightly import nightly

    return nightly(
        run_date=run_date,
        landing=str(landing),
        warehouse=str(warehouse),
        restricted=str(restricted or warehouse.with_name("restricted.duckdb")),
        **params,
    )


@pytest.fixture
def night(tmp_path: Path):
    """`night(landing, run_date, **params)` runs the real flow into tmp_path's warehouse
    and returns (summary, warehouse path, restricted path)."""
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    restricted = tmp_path / "wh" / "restricted.duckdb"

    def run(landing: Path, run_date, **params):
        summary = run_night(landing, run_date, warehouse, restricted, **params)
        return summary, warehouse, restricted

    return run
