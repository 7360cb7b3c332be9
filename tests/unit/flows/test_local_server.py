"""The local server's start-up decisions, made before Prefect is imported: when the database
migrations may be skipped, and which of Prefect's services stay off."""

from __future__ import annotations

import json
import os
import sqlite3
from importlib.metadata import version
from pathlib import Path

import pytest

from flows import local_server
from flows.local_server import migrations_needed, remember_migrated


def _database(home: Path, revision: str | None) -> None:
    home.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(home / "prefect.db")
    con.execute("create table if not exists alembic_version (version_num text)")
    con.execute("delete from alembic_version")
    if revision:
        con.execute("insert into alembic_version values (?)", [revision])
    con.commit()
    con.close()


@pytest.fixture
def clean_env(monkeypatch):
    """None of the settings these tests read or write is set, and each is restored after."""
    services = (*local_server.DEPLOYMENT_SERVICES, *local_server.AUTOMATION_SERVICES)
    names = [f"PREFECT_SERVER_SERVICES_{s}_ENABLED" for s in services]
    for prefix in ("PREFECT_SERVER_DATABASE_", "PREFECT_API_DATABASE_"):
        names += [prefix + "MIGRATE_ON_START", prefix + "CONNECTION_URL"]
    names += ["PREFECT_SERVER_REGISTER_BLOCKS_ON_START"]
    names += ["PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION"]
    for name in [*names, "PREFECT_PROFILES_PATH"]:
        monkeypatch.setenv(name, "")  # recorded, so that what the code sets is undone
        monkeypatch.delenv(name)


def test_migrations_run_until_a_start_remembered_them_and_again_when_the_revision_moves(
    tmp_path, clean_env
):
    home = tmp_path / "prefect"
    assert migrations_needed(home)  # no database yet
    _database(home, "aaa111")
    assert migrations_needed(home)  # never remembered
    remember_migrated(home)
    assert not migrations_needed(home)
    remembered = json.loads((home / local_server.MIGRATED).read_text(encoding="utf-8"))
    assert remembered["prefect"] == version("prefect") and remembered["revision"] == "aaa111"
    assert "prefect_dask=" + version("prefect-dask") in remembered["collections"]
    _database(home, "bbb222")  # another Prefect migrated it meanwhile
    assert migrations_needed(home)
    _database(home, None)  # reset: no revision
    assert migrations_needed(home)


def test_a_configured_database_is_always_migrated(tmp_path, clean_env, monkeypatch):
    home = tmp_path / "prefect"
    _database(home, "aaa111")
    remember_migrated(home)
    assert not migrations_needed(home)
    (home / "profiles.toml").write_text(
        '[profiles.ops]\nPREFECT_API_DATABASE_CONNECTION_URL = "postgresql+asyncpg://x/y"\n',
        encoding="utf-8",
    )
    assert migrations_needed(home)
    (home / "profiles.toml").unlink()
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", "postgresql+asyncpg://x/y")
    assert migrations_needed(home)


def test_the_deployment_services_are_off_unless_set_and_a_set_migrate_flag_is_kept(
    tmp_path, clean_env, monkeypatch
):
    home = tmp_path / "prefect"
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED", "true")
    assert local_server._prefect_settings(home)  # no database: migrate
    assert os.environ["PREFECT_SERVER_DATABASE_MIGRATE_ON_START"] == "true"
    assert os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED"] == "true"
    assert os.environ["PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED"] == "false"
    assert os.environ["PREFECT_SERVER_SERVICES_FOREMAN_ENABLED"] == "false"
    assert os.environ["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] == "false"
    assert "PREFECT_SERVER_REGISTER_BLOCKS_ON_START" not in os.environ  # registered now
    _database(home, "aaa111")
    remember_migrated(home)
    monkeypatch.delenv("PREFECT_SERVER_DATABASE_MIGRATE_ON_START")  # the next start
    assert not local_server._prefect_settings(home)  # done before: skipped, both
    assert os.environ["PREFECT_SERVER_DATABASE_MIGRATE_ON_START"] == "false"
    assert os.environ["PREFECT_SERVER_REGISTER_BLOCKS_ON_START"] == "false"
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_MIGRATE_ON_START", "true")
    assert not local_server._prefect_settings(home)  # the user's: nothing to remember
