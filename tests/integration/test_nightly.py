"""A generated night, run through the real flow into real DuckDB files, checked the way an
analyst and the ground truth would."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from sample.generate import claims
from sample.generate.night import NightSpec, generate
from sample.truth import score
from tests.conftest import RUN_DATE
from tests.integration.conftest import run_night
from transforms.reference import load
from transforms.warehouse import compare, segments
from validations.checks import PLACEHOLDER_NAMES
from validations.registry import DATASETS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    generate(root, NightSpec(run_date=RUN_DATE, scale=1, seed=7), load())
    return root


@pytest.fixture(scope="module")
def first_night(landing, tmp_path_factory):
    """One real night, shared by the tests that only read it. Returns (summary, folder)."""
    folder = tmp_path_factory.mktemp("first")
    summary = run_night(landing, RUN_DATE, folder / "warehouse.duckdb")
    return summary, folder


@pytest.fixture
def published(first_night, tmp_path):
    """A private copy of the first night's published files and their segment stores, for
    tests that run again."""
    summary, folder = first_night
    for name in ("warehouse", "restricted"):
        shutil.copyfile(folder / f"{name}.duckdb", tmp_path / f"{name}.duckdb")
        shutil.copytree(folder / f"{name}.segments", tmp_path / f"{name}.segments")
    # A copy reads its own segments once relinked (without, it refuses to read the first's).
    segments.relink(tmp_path / "warehouse.duckdb", "wh")
    segments.relink(tmp_path / "restricted.duckdb", "rs")
    return summary, tmp_path / "warehouse.duckdb", tmp_path / "restricted.duckdb"


def _snapshot(warehouse: Path) -> dict[str, str]:
    """A digest of what analysts see, leaving out the columns that name the run or the clock
    (`transforms.warehouse.compare`, as `scripts/compare_nights.py` does)."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # core.<dataset> are views over segments; the others are tables.
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE schema_name IN ('core', 'progress', 'dq') AND table_name <> 'rule_results' "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views() "
            "WHERE schema_name = 'core' AND NOT internal ORDER BY ALL"
        ).fetchall()
        assert sum(schema == "core" for schema, _ in tables) == len(DATASETS)
        for schema, table in tables:
            rows = compare.rows(con, schema, table)
            out[f"{schema}.{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def test_a_night_matches_its_ground_truth(landing, first_night):
    summary, folder = first_night
    warehouse, restricted = folder / "warehouse.duckdb", folder / "restricted.duckdb"
    assert summary["status"] == "succeeded"
    result = score(landing, RUN_DATE, warehouse, restricted)
    assert result.planted_errors > 100
    assert result.error_recall >= 0.99, result.misses[:10]
    assert result.warning_recall == 1.0, result.misses[:10]
    assert result.clean_rows_touched == 0, result.false_alarms[:10]
    # Clean rows with a pre-2025 commune code: loaded with its successor, the code kept.
    assert result.old_communes > 50 and result.old_communes_mapped == result.old_communes
    assert result.files_as_expected == result.files_expected
    assert result.accounting_broken == []

    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Every one of the 12 databases is scored, with zeros where nothing arrived.
        cards = con.execute(
            "SELECT database_id, rows_received, overall_pct, rating "
            "FROM progress.database_scorecard WHERE run_date = ?",
            [RUN_DATE],
        ).fetchall()
        assert len(cards) == 12
        by_db = {db: (n, pct, rating) for db, n, pct, rating in cards}
        assert by_db["kcb"][0] > 0 and 75 <= by_db["kcb"][1] <= 100
        assert all(pct == 0 and rating == "red" for n, pct, rating in by_db.values() if n == 0)
        provinces = con.execute(
            "SELECT count(DISTINCT province_code) FROM progress.province_scorecard"
        ).fetchone()
        assert provinces[0] == 34
        # Accepted rows are in core once per key, with their warnings listed.
        for ds in DATASETS.values():
            key = ", ".join(ds.key)
            dupes = con.execute(
                f"SELECT count(*) FROM (SELECT {key} FROM core.{ds.id} GROUP BY ALL "
                "HAVING count(*) > 1)"
            ).fetchone()[0]
            assert dupes == 0
        warned = con.execute(
            "SELECT count(*) FROM core.visits WHERE len(_warnings) > 0"
        ).fetchone()[0]
        assert warned > 0
        rules = con.execute("SELECT count(*), count(DISTINCT criterion) FROM dq.rules").fetchone()
        assert rules[0] == sum(len(ds.rules) for ds in DATASETS.values()) and rules[1] == 4
        # The default-size night exercises every rule of every dataset at least once.
        silent = con.execute(
            "SELECT rule_id FROM dq.rule_results WHERE run_id = ? GROUP BY rule_id "
            "HAVING sum(rows_failed) = 0",
            [summary["run_id"]],
        ).fetchall()
        # Every rule fires, but those of columns a package cannot deliver broken: the line
        # columns the reader fills in (claims.READER_FILLS) and the visits' package-only
        # totals, which the reader computes from the lines.
        package_only = {
            f"visits.{c}.format" for c in ("drug_total", "supply_total", *claims.LINE_SUMS)
        }
        reader_fills = {
            r.id
            for ds in ("visit_drugs", "visit_services")
            for r in DATASETS[ds].rules
            if claims.READER_FILLS & set(r.columns)
        }
        silent_ids = {r for (r,) in silent}
        assert silent_ids <= reader_fills | package_only, sorted(
            silent_ids - reader_fills - package_only
        )
    with duckdb.connect(str(restricted), read_only=True) as con:
        q = con.execute(
            "SELECT rule_id, criterion, severity, message, raw FROM quarantine.rows LIMIT 1"
        ).fetchone()
        assert " | " in q[3] and json.loads(q[4])
        received = con.execute("SELECT count(*) FROM raw.rows").fetchone()[0]
        assert received == summary["rows_in"]


def _every_table(database: Path) -> dict[str, list[tuple]]:
    """Every table and view of a DuckDB file, without the volatile columns, sorted. The run
    log (`meta.runs`, and the lines each run adds to `meta.files`) is read by run apart."""
    with duckdb.connect(str(database), read_only=True) as con:
        return {f"{s}.{t}": compare.rows(con, s, t) for s, t in compare.tables(con)}


def test_running_the_same_night_twice_changes_nothing(landing, published, tmp_path):
    first, warehouse, restricted = published
    before = _snapshot(warehouse)
    tables_before = {db: _every_table(db) for db in (warehouse, restricted)}
    # An analyst keeps querying the warehouse from another process during the run.
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        second = run_night(landing, RUN_DATE, warehouse, restricted)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    ok, errors = map(int, out.split())
    assert errors == 0, err
    assert ok > 5
    assert second["files_duplicate"] == first["files_loaded"] > 0
    assert second["files_loaded"] == 0
    assert _snapshot(warehouse) == before
    # Every table of both files as it was, dq.rule_results included; only the run log grew:
    # one line in meta.runs, and the second run's line for each file it saw again.
    tables_after = {db: _every_table(db) for db in (warehouse, restricted)}
    for db in (warehouse, restricted):
        grown = {"meta.runs", "meta.files"} if db == warehouse else set()
        assert tables_before[db].keys() == tables_after[db].keys()
        changed = [
            t
            for t in tables_before[db]
            if t not in grown and tables_before[db][t] != tables_after[db][t]
        ]
        assert changed == [], db
    with duckdb.connect(str(warehouse), read_only=True) as con:
        per_run = con.execute(
            "SELECT run_date, count(*), sum(rows_checked), sum(rows_failed) FROM dq.rule_results "
            "GROUP BY ALL"
        ).fetchall()
        assert len(per_run) == 1 and per_run[0][1] > 1000
        runs = con.execute("SELECT run_id, status FROM meta.runs ORDER BY started_at").fetchall()
        assert runs == [(first["run_id"], "succeeded"), (second["run_id"], "succeeded")]
        statuses = dict(
            con.execute(
                "SELECT status, count(*) FROM meta.files WHERE run_id = ? GROUP BY ALL",
                [second["run_id"]],
            ).fetchall()
        )
        assert statuses["duplicate"] == first["files_loaded"]
        first_lines = con.execute(
            "SELECT count(*) FROM meta.files WHERE run_id = ?", [first["run_id"]]
        ).fetchone()[0]
        assert first_lines == first["files"]


def test_no_raw_personal_identifier_reaches_the_warehouse(first_night):
    """No citizen id, card number or patient name, as a value or inside one (a JSON or a
    list), anywhere in the analysts' warehouse."""
    _, folder = first_night
    warehouse, restricted = folder / "warehouse.duckdb", folder / "restricted.duckdb"
    with duckdb.connect(str(restricted), read_only=True) as con:
        ids = {
            v
            for (v,) in con.execute(
                "SELECT DISTINCT upper(v) FROM (SELECT unnest([raw->>'patient_id', "
                "raw->>'SO_CCCD', raw->>'person_id', raw->>'mother_id', raw->>'insurance_card', "
                "raw->>'MA_THE_BHYT']) AS v FROM raw.rows) WHERE length(v) >= 9"
            ).fetchall()
        }
        names = {
            v
            for (v,) in con.execute(
                "SELECT DISTINCT v FROM (SELECT unnest([raw->>'patient_name', raw->>'HO_TEN', "
                "raw->>'full_name']) AS v FROM raw.rows) WHERE v IS NOT NULL"
            ).fetchall()
        }
    ids = {i.replace(" ", "") for i in ids if i}
    # A placeholder ("Không rõ", "test") is no one's name: it may stand in any column.
    names = {n for n in names if n.lower().strip() not in PLACEHOLDER_NAMES}
    assert len(ids) > 1000 and len(names) > 1000
    token = re.compile(r"[A-Z0-9]{9,}")
    leaked: set[str] = set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE data_type IN ('VARCHAR', 'VARCHAR[]', 'JSON')"
        ).fetchall()
        for schema, table, column in columns:
            query = f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM {schema}.{table}'
            for (value,) in con.execute(query).fetchall():
                if not value:
                    continue
                found = set(token.findall(value.upper())) & ids
                if value in names:
                    found.add(value)
                leaked |= {f"{schema}.{table}.{column}: {f}" for f in found}
    assert leaked == set()


def test_person_ids_are_a_keyed_hash_of_the_normalised_id(first_night, pseudonym_key):
    """HMAC-SHA256 under the configured key: the same person gets the same pseudonym on
    every night (and in every dataset), and nobody without the key can recompute it."""
    _, folder = first_night
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{folder / 'warehouse.duckdb'}' AS wh (READ_ONLY)")
        con.execute(f"ATTACH '{folder / 'restricted.duckdb'}' AS rs (READ_ONLY)")
        pairs = con.execute("""
            SELECT coalesce(r.raw->>'patient_id', r.raw->>'SO_CCCD'), v.patient_id
            FROM wh.core.visits AS v
            JOIN rs.raw.rows AS r ON r.source_file = v._source_file AND r.row_number = v._source_row
             AND r.dataset = 'visits'
            LIMIT 500""").fetchall()
    assert len(pairs) == 500
    for raw_id, pseudonym in pairs:
        normalised = raw_id.upper().replace(" ", "").replace(".", "").replace("-", "")
        expected = hmac.new(pseudonym_key.encode(), normalised.encode(), hashlib.sha256)
        assert pseudonym == expected.hexdigest()


READER = textwrap.dedent("""
    import sys, time, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    ok = errors = 0
    import os
    while not os.path.exists(stop):
        try:
            with duckdb.connect(path, read_only=True) as con:
                runs = con.execute("SELECT count(*) FROM meta.runs").fetchone()[0]
                bad = con.execute("SELECT count(*) FROM meta.files "
                                  "WHERE rows_in <> rows_loaded + rows_quarantined").fetchone()[0]
                assert bad == 0
                ok += 1
        except Exception as exc:
            errors += 1
            print(repr(exc), file=sys.stderr)
        time.sleep(0.05)
    print(ok, errors)
""")


def _cli(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _api_env() -> dict:
    """The environment of a child process that talks to this session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    return env


def test_a_run_killed_midway_leaves_the_published_warehouse_intact(tmp_path, published):
    _, warehouse, restricted = published
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    before_restricted = hashlib.sha256(restricted.read_bytes()).hexdigest()
    fresh = tmp_path / "fresh"
    generate(fresh, NightSpec(run_date=RUN_DATE, scale=1, seed=11), load())
    proc = _cli(
        "run",
        "--landing",
        str(fresh),
        "--date",
        RUN_DATE.isoformat(),
        "--warehouse",
        str(warehouse),
        "--restricted",
        str(restricted),
        env=_api_env(),
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        builds = list(warehouse.parent.glob(".build-*"))
        if builds and any((b / "scratch.duckdb").exists() for b in builds):
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    time.sleep(1.0)  # well inside the night's work
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert hashlib.sha256(restricted.read_bytes()).hexdigest() == before_restricted
    assert list(warehouse.parent.glob(".build-*"))  # what the killed run left behind
    # The next run cleans up after the killed one and publishes normally.
    summary = run_night(fresh, RUN_DATE, warehouse, restricted, sources=["moh", "p01"])
    assert summary["files_loaded"] > 0
    assert not list(warehouse.parent.glob(".build-*"))
    # Whatever segments the killed run wrote are gone: the stores hold exactly what the
    # published manifests name.
    for db in (warehouse, restricted):
        store = db.with_name(f"{db.stem}.segments")
        with duckdb.connect(str(db), read_only=True) as con:
            named = {p for (p,) in con.execute("SELECT path FROM meta.segments").fetchall()}
        assert {p.relative_to(store).as_posix() for p in store.rglob("*.parquet")} == named


def test_a_failed_run_exits_1_and_publishes_only_its_failure(landing, published):
    _, warehouse, restricted = published
    before = _snapshot(warehouse)
    before_restricted = hashlib.sha256(restricted.read_bytes()).hexdigest()
    env = _api_env()
    # A key block that passes the usage checks (they do not contact Prefect) but that the
    # night cannot load: the run starts, then fails. (No key at all is a usage error.)
    env.pop("VNHEALTH_PSEUDONYM_KEY")
    env["VNHEALTH_PSEUDONYM_KEY_BLOCK"] = "no-such-block"
    proc = _cli(
        "run",
        "--landing",
        str(landing),
        "--date",
        RUN_DATE.isoformat(),
        "--warehouse",
        str(warehouse),
        "--restricted",
        str(restricted),
        env=env,
    )
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, (out, err)
    assert "run failed" in err and "no-such-block" in err
    assert _snapshot(warehouse) == before  # every core, dq and progress table as it was
    assert hashlib.sha256(restricted.read_bytes()).hexdigest() == before_restricted
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status, error = con.execute(
            "SELECT status, error FROM meta.runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    assert status == "failed" and "no-such-block" in error


def test_usage_errors_exit_2(tmp_path):
    proc = _cli("run", "--landing", str(tmp_path), "--date", "24/11/2026", env=dict(os.environ))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "not a date" in err


def test_a_deployment_with_wrong_parameters_fails_before_building(tmp_path):
    """The flow runs the CLI's usage checks first: nothing built, nothing recorded."""
    from flows.nightly import nightly
    from flows.usage import UsageError

    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    with pytest.raises(UsageError, match="does not exist"):
        nightly(run_date=RUN_DATE, landing=str(tmp_path / "lz"), warehouse=str(warehouse))
    assert not warehouse.parent.exists()
