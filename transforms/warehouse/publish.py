"""Warehouse I/O: build a night aside and publish it in one atomic step.

The published files are never opened for writing. A run copies each into a private build
folder beside it (`.build-<run>-<stem>/`, 0700: on the file's own file system, so that the
rename is atomic wherever each file lives), does all its work through one DuckDB connection
(a scratch database with the two copies attached as `wh` and `rs`), checkpoints, and then
renames each copy over its published file. A rename is atomic, so an analyst opening the
warehouse read-only sees the previous night or the new one, never half of one; a crash
before the rename leaves the published files as they were.

Everything that holds raw rows (the restricted copy, the scratch database, DuckDB's spill
files and, by default, the staging Parquet) is in the restricted file's build folder, which
is removed when the run ends and, after a crash, at the start of the next run. The copies
get the mode, owner and group of the file they replace (`transforms.warehouse.modes`).

The copies are small: the tables that grow with history (core, raw rows, quarantine) are
views over immutable Parquet segments in a store folder next to each file
(`transforms.warehouse.segments`). A night writes its new segments straight into the store under
names no published manifest uses yet, so they stay invisible until the rename; copying and
publishing cost the size of the DuckDB files, not of the history. Segments that a killed
run left behind (named by no published manifest) are deleted at the start of the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from transforms import sqlfiles
from transforms.warehouse import meta, modes, segments, snapshots, storage
from transforms.warehouse.modes import Protection

SQL = sqlfiles.SqlFolder(__package__)

log = logging.getLogger(__name__)


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse lock."""


@dataclass
class Build:
    """A night's build: `folder` is the restricted build folder (raw rows, scratch, spill,
    staging), `warehouse_folder` the analysts' one (only the copy of their file)."""

    con: duckdb.DuckDBPyConnection
    folder: Path
    warehouse_folder: Path
    warehouse: Path
    restricted: Path
    analysts: Protection
    restricted_protection: Protection
    snapshots: snapshots.Snapshots | None = None
    stage: Path | None = None

    @property
    def stage_folder(self) -> Path:
        """Where the night's staging tasks write (raw rows): `stage/` in the restricted
        build folder, or the run's folder in the configured stage folder."""
        return self.stage or self.folder / "stage"

    @property
    def warehouse_copy(self) -> Path:
        return self.warehouse_folder / "warehouse.duckdb"

    @property
    def restricted_copy(self) -> Path:
        return self.folder / "restricted.duckdb"


def build_folder(published: Path, run_id: str) -> Path:
    """The build folder of a run for `published`: beside it, on its file system."""
    return published.with_name(f".build-{run_id}-{published.stem}")


def stage_folder(stage_dir: Path, warehouse: Path, run_id: str) -> Path:
    """A run's folder in a configured stage folder: under one folder per warehouse (several
    may share the stage folder), so that a run removes only what its own warehouse's
    interrupted runs left."""
    tag = hashlib.sha256(str(warehouse.resolve()).encode()).hexdigest()[:8]
    return stage_dir / f"{warehouse.stem}-{tag}" / run_id


def remove_stale_builds(published: Path) -> list[Path]:
    """Remove the build folders an interrupted run left beside `published` (call it under
    the lock: then none is in use)."""
    stale = sorted(published.parent.glob(f".build-*-{published.stem}"))
    for folder in stale:
        log.warning("removing the build folder of an interrupted run: %s", folder)
        shutil.rmtree(folder, ignore_errors=True)
    return stale


@contextlib.contextmanager
def lock(warehouse: Path, analysts: Protection = modes.ANALYSTS) -> Iterator[None]:
    """One writer at a time for a warehouse (released by the OS if the process dies). A
    missing warehouse folder is created with the folder mode of `analysts`."""
    warehouse.parent.parent.mkdir(parents=True, exist_ok=True)
    modes.make_dirs(warehouse.parent, analysts)
    path = warehouse.with_name(f".{warehouse.name}.lock")
    with path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy(f"another run is writing {warehouse}") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def build(
    warehouse: Path,
    restricted: Path,
    run_id: str,
    *,
    memory_limit: str,
    threads: int,
    views: bool = True,
    analysts: Protection = modes.ANALYSTS,
    snapshots_to: snapshots.Snapshots | None = None,
    stage_dir: Path | None = None,
) -> Iterator[Build]:
    """A private copy of both files, each in a build folder beside it, attached to a scratch
    connection. Call `publish` to make the copies the published files; leaving the block
    without it discards them. `views=False` leaves the views of the restricted file as
    published (a build that only records a line in `meta.runs`). `analysts`: the modes of
    the analysts' file, its segments and folders; the restricted file keeps its own (0600
    when new). `snapshots_to`: where `publish(b, night)` keeps the night's analysts' file.
    `stage_dir`: a stage folder other than the restricted build folder's (`b.stage_folder`)."""
    # A run killed outright leaves its build folders; we hold the lock, so none is in use.
    for published in (warehouse, restricted):
        remove_stale_builds(published)
    stage = stage_folder(stage_dir, warehouse, run_id) if stage_dir else None
    if stage is not None:
        for stale in stage.parent.glob("*") if stage.parent.is_dir() else ():
            log.warning("removing the stage folder of an interrupted run: %s", stale)
            shutil.rmtree(stale, ignore_errors=True)
    started = datetime.now()
    analysts = analysts.like(warehouse)
    private = modes.kept(restricted, modes.RESTRICTED)
    for published, p in ((warehouse, analysts), (restricted, private)):
        published.parent.parent.mkdir(parents=True, exist_ok=True)
        modes.make_dirs(published.parent, p)
    folder, wh_folder = build_folder(restricted, run_id), build_folder(warehouse, run_id)
    try:
        for f in (folder, wh_folder):
            f.mkdir(mode=0o700)
            os.chmod(f, 0o700)
        for published, copy in (
            (warehouse, wh_folder / "warehouse.duckdb"),
            (restricted, folder / "restricted.duckdb"),
        ):
            if published.exists():
                shutil.copyfile(published, copy)
        con = duckdb.connect(
            str(folder / "scratch.duckdb"),
            config={"memory_limit": memory_limit, "threads": threads},
        )
        try:
            con.execute("SET temp_directory = ?", [str(folder / "spill")])
            # Segments are never rewritten, so their footers can be kept: each refresh of a
            # view and each read of one binds every live segment, many times a night.
            con.execute("SET parquet_metadata_cache = true")
            # In a storage format the DuckDB 1.5 clients read (transforms.warehouse.storage).
            storage.attach(con, wh_folder / "warehouse.duckdb", "wh")
            storage.attach(con, folder / "restricted.duckdb", "rs")
            SQL.run(con, "ddl_warehouse")
            SQL.run(con, "ddl_restricted")
            SQL.run(con, "stg_scratch")
            segments.install_stores(
                con,
                {
                    "wh": (segments.store_folder(warehouse), analysts),
                    "rs": (segments.store_folder(restricted), private),
                },
            )
            for db in segments.DATABASES:  # the copies still hold the published manifests
                segments.remove_orphans(con, db, older_than=started)
            if views:
                segments.ensure(con, segments.RAW)
                segments.ensure(con, segments.QUARANTINE)
            yield Build(
                con,
                folder,
                wh_folder,
                warehouse,
                restricted,
                analysts,
                private,
                snapshots_to,
                stage,
            )
        finally:
            with contextlib.suppress(duckdb.Error):
                con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(wh_folder, ignore_errors=True)
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)


def publish(b: Build, night: date | None = None) -> None:
    """Checkpoint both copies, give each the protection of the file it replaces, and rename
    them over the published files (each within its own folder and file system). With a
    `night` and a snapshot folder, the analysts' file is also kept as that night's snapshot."""
    segments.refresh_stale(b.con)
    b.con.execute("CHECKPOINT wh")
    b.con.execute("CHECKPOINT rs")
    b.con.execute("DETACH wh")
    b.con.execute("DETACH rs")
    b.con.close()
    for wal in (b.warehouse_copy, b.restricted_copy):
        if wal.with_name(wal.name + ".wal").exists():
            raise RuntimeError(f"{wal} still has a write-ahead log after checkpoint")
    modes.apply(b.restricted_copy, b.restricted_protection)
    modes.apply(b.warehouse_copy, b.analysts)
    snapshot = None
    if night is not None and b.snapshots is not None and b.snapshots.keep > 0:
        began = time.monotonic()
        snapshot = snapshots.prepare(b.snapshots, night, b.warehouse_copy, b.analysts)
        log.info("step snapshot: %.3f s", time.monotonic() - began)
    # Restricted first: if we stop between the two, the analysts' file is still the old
    # night, and a re-run of the night replaces what restricted got (keyed by source file).
    os.replace(b.restricted_copy, b.restricted)
    _fsync_dir(b.restricted.parent)
    os.replace(b.warehouse_copy, b.warehouse)
    _fsync_dir(b.warehouse.parent)
    if snapshot is not None and night is not None and b.snapshots is not None:
        snapshots.commit(b.snapshots, night, snapshot)


def record_failed_run(
    warehouse: Path,
    restricted: Path,
    *,
    run_id: str,
    run_date: date,
    started_at: datetime,
    error: str,
    sources: list[str] | None,
    datasets: list[str] | None,
    memory_limit: str,
    analysts: Protection = modes.ANALYSTS,
) -> None:
    """Publish one `failed` line in `meta.runs` and nothing else, so the failure shows where
    analysts and on-call look (in a build of DuckDB's `memory_limit`, one thread). Never
    raises: the run's own error is what matters."""
    try:
        with build(
            warehouse,
            restricted,
            f"{run_id}-failed",
            memory_limit=memory_limit,
            threads=1,
            views=False,
            analysts=analysts,
        ) as b:
            meta.record_run(
                b.con,
                run_id=run_id,
                run_date=run_date,
                started_at=started_at,
                status="failed",
                error=error,
                sources=sources,
                datasets=datasets,
            )
            publish(b)
    except Exception:  # noqa: BLE001 - recording is best effort
        log.exception("could not record the failed run %s in %s", run_id, warehouse)


def compact(
    warehouse: Path,
    restricted: Path,
    *,
    datasets: list[str] | None = None,
    grace_hours: float = 24.0,
    memory_limit: str = "4GB",
    threads: int = 2,
    analysts: Protection = modes.ANALYSTS,
    snapshots_to: snapshots.Snapshots | None = None,
) -> list[dict[str, str | int]]:
    """Rewrite each dataset's live rows of core, raw and quarantine into one segment and
    clear its tombstones, published like a night (build aside, rename). Segments retired
    more than `grace_hours` ago are deleted, except those a kept snapshot (`snapshots_to`)
    reads: a session opened before a compaction keeps reading the segments its view names
    for `grace_hours`, and a snapshot stays readable for as long as it is kept."""
    import uuid
    from datetime import timedelta

    from validations.registry import DATASETS

    run_id = f"compact-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    names = [sqlfiles.ident(d, DATASETS) for d in (datasets or DATASETS)]
    done = []
    with (
        lock(warehouse),
        build(
            warehouse,
            restricted,
            run_id,
            memory_limit=memory_limit,
            threads=threads,
            analysts=analysts,
        ) as b,
    ):
        cutoff = datetime.now() - timedelta(hours=grace_hours)
        keep = {"wh": snapshots.needed_segments(snapshots_to), "rs": frozenset[str]()}
        purged = {
            db: segments.purge_retired(b.con, db, cutoff, keep[db]) for db in segments.DATABASES
        }
        for name in names:
            for table in (segments.core(name), segments.RAW, segments.QUARANTINE):
                if table.schema == "core" and not sqlfiles.scalar(
                    b.con,
                    "SELECT count(*) FROM duckdb_views() WHERE database_name = 'wh' "
                    "AND schema_name = 'core' AND view_name = ?",
                    [name],
                ):
                    continue
                done.append(segments.compact(b.con, table, name, run_id))
        publish(b)
    log.info("compacted %s; deleted retired segments: %s", run_id, purged)
    return done


def set_memory_limit(b: Build, limit_bytes: int) -> None:
    """Give the build's connection another memory limit (in bytes): the night widens it once
    staging is over and the memory staging held is free (`Settings.memory_plan`)."""
    b.con.execute(f"SET memory_limit = '{int(limit_bytes)}B'")


def merge_segments(
    b: Build, run_id: str, *, fanout: int, max_rows: int, grace_hours: float
) -> list[dict[str, str | int]]:
    """The night's share of keeping history cheap to read: merge the segments of each
    table's dataset by tiers (`segments.merge_tiers`), and delete the files of segments
    retired more than `grace_hours` ago that no kept snapshot reads. What the night merges
    stays readable (retired, not deleted) for sessions opened before it is published."""
    from datetime import timedelta

    # The views left stale while the datasets were finished (raw and quarantine rows) are
    # refreshed first: what follows (progress, trends) reads them.
    segments.refresh_stale(b.con)
    done = segments.merge_tiers(b.con, run_id, fanout, max_rows)
    cutoff = datetime.now() - timedelta(hours=grace_hours)
    for db in segments.DATABASES:
        # fetchall: a result left unfinished would block the connection's next register().
        ((due,),) = b.con.execute(
            f"SELECT count(*) FROM {db}.meta.segments WHERE retired_at < ?", [cutoff]
        ).fetchall()
        if not due:
            continue  # nothing to delete: no need to read the snapshots
        keep = snapshots.needed_segments(b.snapshots) if db == "wh" else frozenset[str]()
        segments.purge_retired(b.con, db, cutoff, keep)
    return done


def install_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Put the HMAC pads of the pseudonymisation key in the scratch table `stg_key`."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()  # as HMAC does with long keys
    key = key.ljust(block, b"\0")
    ipad = bytes(b ^ 0x36 for b in key)
    opad = bytes(b ^ 0x5C for b in key)
    SQL.run(con, "stg_key", {"ipad": ipad, "opad": opad})


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
