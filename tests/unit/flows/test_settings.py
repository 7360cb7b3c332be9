"""Settings are read once, frozen, and every configured number reaches the rules and their
messages from there; the time zone and the schedule are written once."""

from __future__ import annotations

import pickle

import duckdb
import pydantic
import pytest

from flows import serve
from flows.nightly import _stage_params
from flows.settings import (
    AFTER_STAGING_OVERHEAD,
    DUCKDB_OVERHEAD,
    MEMORY_BOUND,
    PYTHON_BYTES,
    SPLIT_WORKER_BYTES,
    STAGED_ROW_BYTES,
    TRACKER_BYTES,
    Settings,
    duckdb_bytes,
)
from tests.conftest import RUN_DATE
from transforms.scoring.progress import rules_frame
from validations.model import LOCAL_TZ

FRESH_VI = "Bản ghi không được cập nhật trong thời hạn ({} ngày trước ngày chạy)"
FRESH_EN = "Record not updated within the freshness window ({} days before the run date)"


def _fresh(frame, dataset: str) -> tuple[str, str]:
    [row] = frame[frame.rule_id == f"{dataset}.updated_at.fresh"].itertuples()
    return row.description_vi, row.description_en


def test_the_settings_are_frozen():
    s = Settings()
    with pytest.raises(pydantic.ValidationError):
        s.freshness_days_province = 5


def test_the_freshness_messages_say_the_default_windows():
    frame = rules_frame(Settings().rule_settings())
    # visits: from the provinces (2 days); facilities: the ministry's registry (31 days).
    assert _fresh(frame, "visits") == (FRESH_VI.format(2), FRESH_EN.format(2))
    assert _fresh(frame, "facilities") == (FRESH_VI.format(31), FRESH_EN.format(31))
    every = frame.description_vi + frame.description_en
    assert not every.str.contains("{freshness_days}", regex=False).any()


def test_the_freshness_messages_follow_the_configured_window(monkeypatch):
    monkeypatch.setenv("VNHEALTH_FRESHNESS_DAYS_PROVINCE", "5")
    frame = rules_frame(Settings().rule_settings())
    assert _fresh(frame, "visits") == (FRESH_VI.format(5), FRESH_EN.format(5))
    assert _fresh(frame, "facilities") == (FRESH_VI.format(31), FRESH_EN.format(31))


def test_the_stage_params_carry_the_settings_and_pickle(monkeypatch):
    """Dask workers receive the stage params pickled: the configured numbers go with them."""
    monkeypatch.setenv("VNHEALTH_FRESHNESS_DAYS_MOH", "40")
    monkeypatch.setenv("VNHEALTH_BATCH_ROWS", "1234")
    params = _stage_params(Settings(), RUN_DATE, "r1")
    back = pickle.loads(pickle.dumps(params))
    assert back == params
    assert back.rules.freshness_days("moh") == 40 and back.limits.batch_rows == 1234


def test_served_schedule_is_the_deployments_in_the_local_time_zone():
    nightly = serve.deployment("nightly")
    [cron] = serve.schedules(nightly)
    assert (cron.cron, cron.timezone) == ("0 2 * * *", LOCAL_TZ.key)
    assert nightly["parameters"] == {
        "landing": "data/landing",
        "warehouse": "data/warehouse.duckdb",
    }


def test_modes_are_read_as_chmod_writes_them(monkeypatch):
    monkeypatch.setenv("VNHEALTH_ANALYSTS_FILE_MODE", "0600")
    monkeypatch.setenv("VNHEALTH_ANALYSTS_DIR_MODE", "750")
    p = Settings().analysts_protection()
    assert (p.file_mode, p.dir_mode) == (0o600, 0o750)
    monkeypatch.setenv("VNHEALTH_ANALYSTS_FILE_MODE", "0999")
    with pytest.raises(pydantic.ValidationError):
        Settings()


def test_the_restricted_file_has_its_own_folder_unless_an_older_one_is_beside(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    s = Settings(warehouse=warehouse)
    assert s.restricted_path == tmp_path / "restricted" / "restricted.duckdb"
    assert s.snapshots().folder == tmp_path / "snapshots" and s.snapshots().keep == 35
    (tmp_path / "restricted.duckdb").write_bytes(b"")  # a warehouse made before
    assert s.restricted_path == tmp_path / "restricted.duckdb"
    assert Settings(warehouse=warehouse, restricted=tmp_path / "r.duckdb").restricted_path == (
        tmp_path / "r.duckdb"
    )


def test_the_nights_memory_plan_adds_up_within_the_bound():
    """The parts of the night's peak memory (docs/benchmark.md "Memory of the night") add up
    to at most 1 GiB with the default settings, and follow the settings that bound them."""
    plan = Settings().memory_plan()
    assert set(plan) == {"python", "split_workers", "warehouse", "staging"}
    assert sum(plan.values()) <= MEMORY_BOUND == 1024**3
    three = Settings(split_workers=3).memory_plan()
    assert three["split_workers"] - plan["split_workers"] == SPLIT_WORKER_BYTES
    bigger = Settings(duckdb_memory_limit="1GB", batch_rows=200_000).memory_plan()
    assert bigger["warehouse"] - plan["warehouse"] == 10**9 - duckdb_bytes("384MB")
    assert bigger["staging"] - plan["staging"] == 150_000 * STAGED_ROW_BYTES
    assert sum(bigger.values()) > MEMORY_BOUND  # what the former defaults came to
    # Once staging is over, the warehouse connection takes the shares of staging and the
    # split workers: the night's process stays within the same plan.
    after = Settings().after_staging_memory_limit()
    assert after > duckdb_bytes(Settings().duckdb_memory_limit)
    assert plan["python"] + after + DUCKDB_OVERHEAD == sum(plan.values())


MiB = 1024**2


@pytest.mark.parametrize("beside_mib", [200, 280, 330, 447, 520, 600, 900])
def test_after_staging_the_limit_takes_only_what_the_process_leaves(beside_mib):
    """An 8M night left 447 MiB beside DuckDB after staging, not the plan's 280: the tree
    peaked at 1,151 MiB in `live_facts` with the planned limit. The limit now follows what
    is measured, within the plan and never below the connection's own limit."""
    s = Settings()
    planned, own = s.after_staging_memory_limit(), duckdb_bytes(s.duckdb_memory_limit)
    limit = s.after_staging_memory_limit(beside_mib * MiB)
    assert own <= limit <= planned
    if beside_mib * MiB <= PYTHON_BYTES:
        assert limit == planned  # what the plan counted: nothing to take back
    if limit > own:  # the bound holds: the process, the connection beyond its limit, tracker
        assert beside_mib * MiB + limit + AFTER_STAGING_OVERHEAD + TRACKER_BYTES <= MEMORY_BOUND
    if beside_mib == 447:
        assert planned - limit > 100 * MiB
    if beside_mib >= 600:
        assert limit == own  # the bound cannot be kept by DuckDB alone: finishing's limit stays


@pytest.mark.parametrize("limit", ["384MB", "32MB", "1GiB", "512mb", "1.5GB", "300 MiB"])
def test_a_memory_limit_is_read_as_duckdb_reads_it(limit):
    con = duckdb.connect(config={"memory_limit": limit})
    [(shown,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    number, unit = shown.split()  # binary units, one decimal cut off: "244.1 MiB"
    ours = duckdb_bytes(limit) / {"KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}[unit]
    assert 0 <= ours - float(number) < 0.1


@pytest.mark.parametrize("limit", ["", "MB", "256 apples", "-1GB"])
def test_a_memory_limit_duckdb_would_not_read_is_refused(limit):
    with pytest.raises(ValueError):
        duckdb_bytes(limit)
