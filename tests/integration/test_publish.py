"""Publishing (issue 14 items 4-6, issue 15 item 5): who may read what a night writes, the
restricted file on its own file system, and the analysts' file as published on each night.
Three small hand-made nights through the real flow, with the default layout of files."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows import cli
from tests.integration.test_segments import D1, D2, D3, _night, _visit

ADMIN_GID = 4242  # a group an administrator gives the restricted file (we run as root)
ANALYSTS_GID = 4243  # the analysts' group, as README's "Who can read what" sets it up
NOBODY = 65534

# What an analyst (another user, in the analysts' group only) reaches from a read-only
# session on the analysts' file: the core rows, and none of the restricted file's.
ANALYST = """
import sys, duckdb
warehouse, restricted, store = sys.argv[1:4]
con = duckdb.connect(warehouse, read_only=True)
print(con.execute("SELECT count(*) FROM core.visits").fetchone()[0])
for query in (f"ATTACH '{restricted}' AS rs (READ_ONLY)",
              f"SELECT count(*) FROM read_parquet('{store}/**/*.parquet')"):
    try:
        con.execute(query).fetchall()
        print("READ")
    except duckdb.Error as exc:
        # A folder it may not list holds no files, for a glob.
        refused = ("ermission denied" in str(exc)) or ("No files found" in str(exc))
        print("denied" if refused else repr(exc))
"""


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@contextlib.contextmanager
def _own_file_system(folder: Path) -> Iterator[bool]:
    """Mount a small tmpfs on `folder` (root only); yields whether it is mounted."""
    folder.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def _run(landing: Path, night, warehouse: Path) -> dict:
    from flows.nightly import nightly

    # No `restricted`: the default place, its own folder beside the analysts' file.
    return nightly(run_date=night, landing=str(landing), warehouse=str(warehouse))


def _as_analysts_saw(database: Path) -> dict[str, list]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            "visits": con.execute(
                "SELECT visit_id, icd10_main FROM core.visits ORDER BY 1"
            ).fetchall(),
            "scorecard": con.execute(
                "SELECT * FROM progress.database_scorecard ORDER BY ALL"
            ).fetchall(),
            "runs": con.execute("SELECT run_id FROM meta.runs ORDER BY 1").fetchall(),
        }


@pytest.fixture
def data() -> Iterator[Path]:
    """A data folder another user can reach (pytest's own temporary root is 0700), set up
    as README says: the analysts' group, setgid so new files take it."""
    folder = Path(tempfile.mkdtemp(prefix="vnhealth-publish-")) / "data"
    folder.mkdir()
    os.chmod(folder.parent, 0o755)
    os.chown(folder, -1, ANALYSTS_GID)
    os.chmod(folder, 0o2750)
    yield folder
    shutil.rmtree(folder.parent, ignore_errors=True)


def _as_analyst(warehouse: Path, restricted: Path) -> list[str]:
    done = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={ANALYSTS_GID}", "--clear-groups"]
        + [sys.executable, "-c", ANALYST, str(warehouse), str(restricted)]
        + [str(restricted.with_name("restricted.segments"))],
        capture_output=True,
        text=True,
        env={"HOME": "/tmp", "PATH": os.environ.get("PATH", "")},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_three_nights_protected_on_two_file_systems_with_snapshots(tmp_path, data, capsys):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root (mount, chown) and setpriv: file protection is not tested")
    landing = tmp_path / "landing"
    warehouse = data / "warehouse.duckdb"
    restricted = data / "restricted" / "restricted.duckdb"
    for i, night in enumerate((D1, D2, D3)):
        visits = [_visit(n, f"{night} 09:00:00", bad=n % 10 == 3) for n in range(1, 11 + 10 * i)]
        _night(landing, night, visits)
    # The restricted folder on a file system of its own: a rename across the two would fail.
    with _own_file_system(data / "restricted") as mounted:
        if not mounted:
            pytest.skip(
                "mounting a tmpfs is not permitted here: the layout across two "
                "file systems is not tested"
            )
        assert os.stat(data).st_dev != os.stat(restricted.parent).st_dev
        os.chmod(restricted.parent, 0o700)

        _run(landing, D1, warehouse)
        night1 = _as_analysts_saw(warehouse)
        assert len(night1["visits"]) == 9 and len(night1["scorecard"]) == 12

        # Modes: the analysts' file and store from the configuration, the restricted ones
        # private; nothing of the build (raw rows, staging) survives the run.
        wh_store, rs_store = (
            data / "warehouse.segments",
            restricted.with_name("restricted.segments"),
        )
        assert _mode(warehouse) == 0o640 and _mode(wh_store) == 0o750
        assert {_mode(p) for p in wh_store.rglob("*.parquet")} == {0o640}
        assert {_mode(p) for p in wh_store.rglob("*") if p.is_dir()} == {0o750}
        assert _mode(restricted) == 0o600 and _mode(rs_store) == 0o700
        assert {_mode(p) for p in rs_store.rglob("*.parquet")} == {0o600}
        assert {_mode(p) for p in rs_store.rglob("*") if p.is_dir()} == {0o700}
        assert not list(data.rglob(".build-*"))
        # The analysts' views name none of the restricted file's paths.
        with duckdb.connect(str(warehouse), read_only=True) as con:
            views = con.execute("SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall()
        assert views and not [v for (v,) in views if "restricted" in v]
        # The analysts' group reads the core rows, and cannot reach the restricted ones.
        assert _as_analyst(warehouse, restricted) == ["9", "denied", "denied"]

        # An administrator opens the restricted file to the engineers' group: kept.
        os.chmod(restricted, 0o640)
        os.chown(restricted, -1, ADMIN_GID)
        _run(landing, D2, warehouse)
        assert _mode(restricted) == 0o640 and restricted.stat().st_gid == ADMIN_GID
        new = [p for p in rs_store.rglob("*.parquet") if p.stat().st_gid == ADMIN_GID]
        assert new and {_mode(p) for p in new} == {0o640}
        _run(landing, D3, warehouse)

        # Compactions with no grace: each deletes the segments the one before retired,
        # except those the kept snapshots still read (every night's own segments).
        nights = set(wh_store.rglob("*.parquet"))
        for _ in range(3):
            assert cli.main(["compact", "--warehouse", str(warehouse), "--grace-hours", "0"]) == 0
        after = set(wh_store.rglob("*.parquet"))
        assert nights <= after
        compactions = {p.stem for p in after - nights}
        assert len(compactions) == 2, compactions  # the first one's segments are gone

    # (unmounted: the restricted file is gone; the analysts' snapshots need none of it)
    snapshots = data / "snapshots"
    assert sorted(p.name for p in snapshots.iterdir()) == [f"{d}.duckdb" for d in (D1, D2, D3)]
    assert _mode(snapshots / f"{D1}.duckdb") == 0o640
    capsys.readouterr()
    assert cli.main(["snapshot", "--warehouse", str(warehouse), "--date", str(D1)]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == snapshots / f"{D1}.duckdb"
    # Night 1 as analysts saw it that morning, after two more nights and a compaction.
    assert _as_analysts_saw(path) == night1
    assert _as_analysts_saw(warehouse) != night1
    # A night not kept: one line, exit 2.
    assert cli.main(["snapshot", "--warehouse", str(warehouse), "--date", "2026-11-01"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no snapshot of 2026-11-01" in err[0]
