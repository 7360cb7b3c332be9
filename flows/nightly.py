"""The nightly Prefect flow: discover the night's files, stage and validate each, finish
each dataset in dependency order, build the progress tables, and publish atomically."""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import shutil
import time as clock
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote as _quote

from flows import notify
from flows.artifacts import publish_artifacts
from flows.settings import Settings
from flows.usage import check_run, rerun_command
from transforms import memory, reference
from transforms.ingest import landing, presplit, stage
from transforms.ingest.failures import file_failure, is_night_error
from transforms.ingest.landing import LandingFile
from transforms.messages import Reason
from transforms.scoring import on_time, plausibility, progress, trends
from transforms.warehouse import describe, loading, meta
from transforms.warehouse import publish as wh_io
from validations import registry
from validations.model import LOCAL_TZ
from validations.registry import DATASETS, load_order

T = TypeVar("T")


class _Steps:
    """Wall time of the night's steps after staging, logged as one line per step (`step
    <name>: <s> s`) so that a benchmark can tell which step grows with history."""

    def __init__(self, logger: Any) -> None:
        self.logger = logger

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        began = clock.monotonic()
        yield
        self.logger.info("step %s: %.3f s", name, clock.monotonic() - began)


# The tasks' steps. A task's run logger logs at WARNING (flows/cli.py): they go to the
# module's logger.
_task_step = _Steps(logging.getLogger(__name__))


def quote(value: T) -> T:
    """Prefect's `quote` (a task argument passed as it is, not inspected for futures), typed
    as the value it wraps so that the tasks' signatures are checked."""
    return cast(T, _quote(value))


@dataclass
class Night:
    """What every task of a night shares. Tasks receive it wrapped in `quote(...)`: Prefect
    would otherwise walk the reference lists and the connection on every task call."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    ref: reference.Reference
    run_id: str
    run_date: date
    started_at: datetime


@dataclass
class FileRecord:
    """One row of `meta.files`."""

    source_file: str
    source: str
    source_current: str | None
    province_code: str | None
    dataset: str | None
    part: str | None
    format: str | None
    bytes: int
    modified_at: datetime
    late: bool
    sha256: str | None = None
    status: str = "loaded"
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    error_code: str | None = None
    duplicate_of: str | None = None
    notes: list[str] = field(default_factory=list)

    def reject(self, reason: Reason) -> None:
        self.status, self.error, self.error_code = "rejected", str(reason), reason.code
        self.rows_in = self.rows_loaded = self.rows_quarantined = 0


@dataclass
class RunSummary:
    run_id: str
    run_date: date
    status: str
    files: int
    files_loaded: int
    files_rejected: int
    files_duplicate: int
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    warehouse: str
    restricted: str


def _record(lf: LandingFile, run_date: date, cutoff_hour: int) -> FileRecord:
    cutoff = datetime.combine(run_date + timedelta(days=1), time(hour=cutoff_hour))
    rec = FileRecord(
        source_file=lf.source_file,
        source=lf.source,
        source_current=lf.source_current,
        province_code=lf.province_code,
        dataset=lf.dataset,
        part=lf.part,
        format=lf.ext,
        bytes=lf.size,
        modified_at=lf.modified_at,
        late=lf.modified_at > cutoff,
    )
    if lf.remapped:
        rec.notes.append(
            f"mã tỉnh cũ {lf.source} → {lf.source_current} | pre-2025 province "
            f"code {lf.source} mapped to {lf.source_current}"
        )
    return rec


@task(cache_policy=NO_CACHE)
def discover_files(
    night: Night, sources: list[str] | None, datasets: list[str] | None
) -> list[LandingFile]:
    s, ref, run_date = night.settings, night.ref, night.run_date
    known = registry.delivered_by()
    return landing.discover(
        s.landing,
        run_date,
        ref,
        known,
        sources=set(sources or ()),
        only_datasets=set(datasets or ()),
        max_bytes=s.max_file_bytes,
    )


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def checksums(paths: list[Path]) -> list[str | Reason]:
    """Content hashes of the landing files (I/O: retried). A file that cannot be read any
    more (swapped for a link or a FIFO since it was listed, removed, unreadable) gets the
    reason it is rejected instead; a failing disk fails the night."""
    out: list[str | Reason] = []
    for p in paths:
        try:
            out.append(landing.sha256(p))
        except OSError as exc:
            if is_night_error(exc):
                raise
            out.append(file_failure(exc))
    return out


@task(cache_policy=NO_CACHE, task_run_name="stage {bundle.name}")
def stage_bundle(
    bundle: stage.Bundle, params: stage.StageParams, out_dir: str
) -> stage.BundleResult:
    """Read, map, parse and check the rows of a bundle of files into Parquet files (no
    warehouse here: it runs in a thread, another process or on another machine)."""
    return stage.stage_bundle(bundle, params, out_dir)


@task(cache_policy=NO_CACHE, task_run_name="finish {dataset_id}")
def finish_dataset(
    night: Night, dataset_id: str, staged: list[stage.BundleResult], files: list[tuple]
) -> list[loading.FileOutcome]:
    """Load the staged bundles and files into the scratch tables, apply the set rules,
    quarantine and load."""
    raw_files = loading.load_bundles(night.con, dataset_id, staged)
    if files:
        loading.stage_files(night.con, files)
        # Issue 17's bar: the aggregates cost at most 5 % of a night (docs/benchmark.md).
        with _task_step(f"night_stats {dataset_id}"):
            plausibility.record_night_stats(
                night.con, dataset_id, night.run_id, night.run_date, plausibility.load_config()
            )
    return loading.finish_dataset(
        night.con,
        DATASETS[dataset_id],
        run_id=night.run_id,
        run_date=night.run_date,
        loaded_at=night.started_at,
        raw_files=raw_files,
    )


@task(cache_policy=NO_CACHE)
def record_files(night: Night, records: list[FileRecord]) -> None:
    import pandas as pd

    con, processed_at = night.con, datetime.now()
    rows = [
        {
            **asdict(r),
            "notes": "; ".join(r.notes) or None,
            "run_id": night.run_id,
            "run_date": night.run_date,
            "processed_at": processed_at,
        }
        for r in records
    ]
    if rows:
        meta.record_files(con, pd.DataFrame(rows))


@task(cache_policy=NO_CACHE)
def build_progress(night: Night) -> None:
    step = _task_step
    with step("progress"):
        progress.build_progress(night.con, night.run_id, night.run_date, night.settings.scoring())
    with step("live_facts"):
        plausibility.record_live_facts(
            night.con, night.run_id, night.run_date, night.settings.scoring()
        )
    with step("trends"):
        trends.build_trends(
            night.con, night.run_date, night.settings.scoring(), run_id=night.run_id
        )


@task(cache_policy=NO_CACHE)
def check_plausibility(night: Night) -> plausibility.Outcome:
    """Judge the night against the sources' history (QUALITY.md, plausibility over time)."""
    return plausibility.run_checks(
        night.con,
        night.run_id,
        night.run_date,
        night.settings.plausibility(),
        plausibility.load_config(),
    )


def _files_to_stage(
    con: duckdb.DuckDBPyConnection, files: list[LandingFile], records: list[FileRecord]
) -> dict[str, list[int]]:
    """Checksum the usable files and set aside the unregistered and the duplicates. Returns
    per dataset the indexes (into `files`) of the files to stage, in delivery order."""
    logger = get_run_logger()
    to_hash = [i for i, lf in enumerate(files) if not lf.rejection]
    hashes = checksums([files[i].path for i in to_hash]) if to_hash else []
    # A file whose content was loaded before is a duplicate: one lookup for the night.
    earlier = meta.earlier_loads(con, [h for h in hashes if isinstance(h, str)])
    by_dataset: dict[str, list[int]] = {}
    for i, sha in zip(to_hash, hashes, strict=True):
        lf, rec = files[i], records[i]
        if isinstance(sha, Reason):
            rec.reject(sha)
            logger.warning("rejected %s: %s", lf.source_file, sha.en)
            continue
        rec.sha256 = sha
        if lf.dataset not in DATASETS:
            rejection = Reason.not_registered(str(lf.dataset))
            rec.reject(rejection)
            logger.warning("rejected %s: %s", lf.source_file, rejection.en)
            continue
        if sha in earlier:
            source_file, run_id = earlier[sha]
            rec.status, rec.duplicate_of = "duplicate", source_file
            reason = Reason.duplicate(run_id)
            rec.error, rec.error_code = str(reason), reason.code
            continue
        by_dataset.setdefault(lf.dataset, []).append(i)
    duplicates = [r for r in records if r.status == "duplicate"]
    if duplicates:
        logger.info(
            "%d duplicate files skipped (content loaded by an earlier run), e.g. %s = %s",
            len(duplicates),
            duplicates[0].source_file,
            duplicates[0].duplicate_of,
        )
    return by_dataset


def _stage_and_finish(
    night: Night,
    b: wh_io.Build,
    files: list[LandingFile],
    records: list[FileRecord],
    by_dataset: dict[str, list[int]],
) -> None:
    """Submit every bundle of every dataset at once (staging does not read the warehouse),
    then per dataset in dependency order: wait for its bundles, load them and finish it.
    Fills in the files' records. A file's id is its position in `files`, from 1."""
    s, logger = night.settings, get_run_logger()
    order = load_order(
        by_dataset, {ds: sum(files[i].size for i in ix) for ds, ix in by_dataset.items()}
    )
    stage_root = b.stage_folder
    futures: dict[str, list] = {}
    packages = presplit.Ahead(stage_root / "packages")
    try:
        # Staged rows hold raw ids: only the night's own user reads them.
        stage_root.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        stage_root.mkdir(mode=0o700, exist_ok=True)
        params = _stage_params(s, night.run_date, night.run_id)
        bundles = {
            ds_id: stage.make_bundles(
                ds_id,
                [_stage_file(i + 1, files[i]) for i in by_dataset[ds_id]],
                s.stage_bundle_bytes,
            )
            for ds_id in order
        }
        if s.task_runner == "thread":  # claims packages split in a worker while the rest stages
            packages = presplit.start(
                [f for ds_id in order for bundle in bundles[ds_id] for f in bundle.files],
                packages.root,
                params.limits.max_claims_table_bytes,
                s.split_workers,
            )
        for ds_id in order:
            futures[ds_id] = [
                stage_bundle.submit(bundle, params, str(stage_root / ds_id))
                for bundle in bundles[ds_id]
            ]
        staging = _StagingProgress(logger, futures, s.progress_seconds)
        for ds_id in order:
            staging.wait(futures[ds_id])
            packages.retire()  # its splits all made: the workers' memory back before finishing
            staged = [f.result() for f in futures[ds_id]]
            results = {fr.file_id: fr for br in staged for fr in br.files}
            stg_files = []
            for i in by_dataset[ds_id]:
                lf, rec, fr = files[i], records[i], results[i + 1]
                if fr.rejection:
                    rec.reject(fr.rejection)
                    logger.warning("rejected %s: %s", lf.source_file, fr.rejection.en)
                    continue
                rec.rows_in = fr.rows_in
                rec.notes += fr.notes
                where = fr.layout
                stg_files.append(
                    (i + 1, lf.source_file, lf.source_current, lf.province_code, ds_id, rec.sha256)
                    + (
                        (where.header_row, where.sheet_name, where.sheet_index)
                        if where
                        else (None,) * 3
                    )
                )
            recs = [records[i] for i in by_dataset[ds_id]]
            logger.info(
                "staged %s: files %d (rejected %d), bundles %d, rows in %d, ready %.1f s "
                "after staging began",
                ds_id,
                len(recs),
                len(recs) - len(stg_files),
                len(staged),
                sum(r.rows_in for r in recs),
                staging.ready_after(futures[ds_id]),
            )
            began = clock.monotonic()
            outcomes = {
                o.file_id: o
                for o in finish_dataset(quote(night), ds_id, quote(staged), quote(stg_files))
            }
            for i in by_dataset[ds_id]:
                rec = records[i]
                if rec.status == "loaded":
                    o = outcomes.get(i + 1)
                    rec.rows_loaded = o.rows_loaded if o else 0
                    rec.rows_quarantined = o.rows_quarantined if o else 0
                    assert rec.rows_in == rec.rows_loaded + rec.rows_quarantined, rec
            logger.info(
                "finished %s: files loaded %d, rows in %d = loaded %d + quarantined %d, in %.1f s",
                ds_id,
                len(stg_files),
                sum(r.rows_in for r in recs),
                sum(r.rows_loaded for r in recs),
                sum(r.rows_quarantined for r in recs),
                clock.monotonic() - began,
            )
    except BaseException:
        _drop_pending([f for fs in futures.values() for f in fs])
        raise
    finally:
        # Let the bundles still running end before their folder goes away.
        wait([f for fs in futures.values() for f in fs if not _cancelled(f)])
        packages.close()
        if s.stage_dir:
            shutil.rmtree(stage_root, ignore_errors=True)


def _drop_pending(futures: list[Any]) -> None:
    """A failed night stops staging: the bundles not yet begun in this process's threads
    are dropped, so that the failure (and a re-run) need not wait for the rest of the
    night's staging; those running end, and a Dask cluster's run to their end."""
    for future in futures:
        if isinstance(future.wrapped_future, concurrent.futures.Future):
            future.wrapped_future.cancel()  # False, and nothing done, once it has begun


def _cancelled(future: Any) -> bool:
    wrapped = future.wrapped_future
    return isinstance(wrapped, concurrent.futures.Future) and wrapped.cancelled()


class _StagingProgress:
    """Waits for bundles while the night stages, logging how far the whole night is (bundles
    done of total, rows in, rows per second) at most once every `every` seconds: a national
    night stages for minutes, and a line per bundle would drown the rest."""

    def __init__(self, logger: Any, futures: dict[str, list], every: float) -> None:
        self.logger, self.every = logger, every
        self.futures = [f for fs in futures.values() for f in fs]
        self.began = self.last = clock.monotonic()
        self.done_at: dict[Any, float] = {}
        for f in self.futures:
            f.add_done_callback(self._done)

    def _done(self, future: Any) -> None:
        self.done_at.setdefault(future, clock.monotonic())

    def wait(self, futures: list) -> None:
        """Return when `futures` are done, logging progress meanwhile."""
        while True:
            timeout = max(0.0, self.last + self.every - clock.monotonic())
            if not wait(futures, timeout=timeout).not_done:
                return
            self._log()

    def ready_after(self, futures: list) -> float:
        """Seconds from the start of staging until the last of `futures` was done."""
        ends = [self.done_at.get(f, clock.monotonic()) for f in futures]
        return max(ends, default=self.began) - self.began

    def _log(self) -> None:
        now = clock.monotonic()
        done = [f for f in self.futures if f in self.done_at]
        rows = 0
        for f in done:
            result = f.result(raise_on_failure=False)
            if isinstance(result, stage.BundleResult):
                rows += sum(fr.rows_in for fr in result.files)
        self.logger.info(
            "staging: bundles done %d of %d, rows in %d, %.0f rows/s, %.0f s so far",
            len(done),
            len(self.futures),
            rows,
            rows / max(now - self.began, 1e-9),
            now - self.began,
        )
        self.last = now


def _stage_file(file_id: int, lf: LandingFile) -> stage.StageFile:
    return stage.StageFile(
        file_id=file_id,
        path=str(lf.path.resolve()),
        ext=lf.ext or "",
        source_file=lf.source_file,
        bytes=lf.size,
    )


def _stage_params(s: Settings, run_date: date, run_id: str) -> stage.StageParams:
    return stage.StageParams(
        run_date=run_date,
        run_id=run_id,
        # None: each worker reads the lists shipped in its own installed package.
        reference_dir=str(s.reference_dir.resolve()) if s.reference_dir else None,
        limits=s.read_limits(),
        rules=s.rule_settings(),
        duckdb_memory_limit=s.stage_memory_limit,
    )


def make_task_runner(s: Settings) -> TaskRunner[Any]:
    """The task runner the settings ask for: threads in this process (the default), or Dask
    (the scheduler at `dask_address`, else a local cluster of `dask_workers` processes)."""
    if s.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if s.dask_address:
            return DaskTaskRunner(address=s.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": s.dask_workers, "threads_per_worker": 1, "processes": True}
        )
    return ThreadPoolTaskRunner(max_workers=s.stage_workers)


def resolve_key(s: Settings) -> bytes:
    """The pseudonymisation key: environment or key file, else a Prefect Secret block."""
    key = s.pseudonym_key_bytes()
    if key is None and s.pseudonym_key_block:
        from prefect.blocks.system import Secret

        secret = Secret.load(s.pseudonym_key_block)
        assert isinstance(secret, Secret)  # loaded synchronously: we are not in a coroutine
        key = secret.get().encode()
    if not key:
        raise RuntimeError(
            "No pseudonymisation key: set VNHEALTH_PSEUDONYM_KEY, VNHEALTH_PSEUDONYM_KEY_FILE "
            "or VNHEALTH_PSEUDONYM_KEY_BLOCK (a Prefect Secret block)"
        )
    return key


def last_night() -> date:
    """The night a 02:00 run is for: yesterday, in Vietnam."""
    return datetime.now(LOCAL_TZ).date() - timedelta(days=1)


def _on_failure(flow, flow_run, state) -> None:
    """One line an on-call engineer can act on, and the same as a notice to a person."""
    from prefect.logging.loggers import flow_run_logger

    params = flow_run.parameters or {}
    flow_run_logger(flow_run, flow).error(
        "NIGHT FAILED %s (flow run %s): %s | published warehouse unchanged; fix, then re-run: %s",
        params.get("run_date") or "last night",
        flow_run.name,
        state.message,
        rerun_command(params),
    )
    _notify_end(flow_run, state)


def _on_crashed(flow, flow_run, state) -> None:
    _notify_end(flow_run, state)


def _notify_end(flow_run, state) -> None:
    """The notice of a failed or crashed night (flows/notify.py)."""
    params = flow_run.parameters or {}
    subject, body = notify.failure_notice(params, flow_run.name, state.name, state.message)
    notify.send(Settings().notify_block, subject, body)


class SettingsTaskRunner(ThreadPoolTaskRunner):
    """The flow's default task runner: at the start of each flow run (Prefect duplicates the
    flow's runner for every run), the one the settings ask for. A deployment or `serve`
    chooses it with `VNHEALTH_TASK_RUNNER` and friends in its environment; the CLI and tests
    may pass their own with `nightly.with_options(task_runner=...)`."""

    # Prefect types `duplicate` as returning the same class; this one hands over to the
    # runner the settings choose (thread pool or Dask) on purpose.
    def duplicate(self) -> TaskRunner[Any]:  # type: ignore[override]
        return make_task_runner(Settings())


@flow(
    name="vnhealth-nightly",
    on_failure=[_on_failure],
    on_crashed=[_on_crashed],
    task_runner=cast(TaskRunner[Any], SettingsTaskRunner()),
)
def nightly(
    run_date: date | None = None,
    landing: str | None = None,
    warehouse: str | None = None,
    restricted: str | None = None,
    sources: list[str] | None = None,
    datasets: list[str] | None = None,
    allow_empty: bool = False,
) -> dict:
    """Run the night `run_date`: every file of the landing zone for that date (or only the
    given sources and datasets), published atomically to the warehouse. Without a date:
    last night. A night folder with no file is refused unless `allow_empty`. Parameters
    that cannot work (a missing night folder, an unknown source, no key...) fail the run
    with `UsageError` before anything is built; any other failed night publishes nothing
    but its `failed` line in `meta.runs`."""
    run_date = run_date or last_night()
    overrides: dict[str, Any] = {
        "landing": landing,
        "warehouse": warehouse,
        "restricted": restricted,
    }
    s = Settings(**{k: v for k, v in overrides.items() if v is not None})
    check_run(s, run_date, sources=sources, datasets=datasets, allow_empty=allow_empty)
    logger = get_run_logger()
    plan = s.memory_plan()
    logger.info(
        "memory plan: %s = %d MiB",
        " + ".join(f"{part} {n >> 20}" for part, n in plan.items()),
        sum(plan.values()) >> 20,
    )
    run_id = f"{run_date:%Y%m%d}-{datetime.now():%H%M%S}-{uuid.uuid4().hex[:6]}"
    started_at = datetime.now()
    step = _Steps(logger)
    with wh_io.lock(s.warehouse, s.analysts_protection()):
        try:
            key = resolve_key(s)
            opening = clock.monotonic()
            with wh_io.build(
                s.warehouse,
                s.restricted_path,
                run_id,
                memory_limit=s.duckdb_memory_limit,
                threads=s.duckdb_threads,
                analysts=s.analysts_protection(),
                snapshots_to=s.snapshots(),
                stage_dir=s.stage_dir,
            ) as b:
                logger.info("step open: %.3f s", clock.monotonic() - opening)
                summary = _build_night(b, s, key, run_id, run_date, started_at, sources, datasets)
                publish_artifacts(b.con, run_date, night=asdict(summary))
                # Only a whole night says how many submissions came on time.
                share = None if sources or datasets else on_time.on_time_share(b.con, run_date)
                with step("publish"):
                    wh_io.publish(b, run_date)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            logger.error("night %s failed, nothing published: %s", run_date, reason)
            wh_io.record_failed_run(
                s.warehouse,
                s.restricted_path,
                run_id=run_id,
                run_date=run_date,
                started_at=started_at,
                error=reason,
                sources=sources,
                datasets=datasets,
                memory_limit=s.duckdb_memory_limit,
                analysts=s.analysts_protection(),
            )
            raise
    logger.info(
        "night %s published (run %s) in %.0f s: files %d = loaded %d + rejected %d + "
        "duplicate %d, rows in %d = loaded %d + quarantined %d; warehouse %s, restricted %s",
        run_date,
        run_id,
        (datetime.now() - started_at).total_seconds(),
        summary.files,
        summary.files_loaded,
        summary.files_rejected,
        summary.files_duplicate,
        summary.rows_in,
        summary.rows_loaded,
        summary.rows_quarantined,
        summary.warehouse,
        summary.restricted,
    )
    if share and share[0] < s.notify_on_time_below * share[1]:
        params: dict[str, Any] = {"run_date": run_date, "landing": landing or s.landing}
        params |= {"warehouse": warehouse, "restricted": restricted, "allow_empty": allow_empty}
        subject, body = notify.on_time_notice(
            params, _flow_run_name(), *share, s.notify_on_time_below
        )
        logger.warning("%s", subject)
        notify.send(s.notify_block, subject, body)
    return asdict(summary)


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.name or "")


def _build_night(
    b: wh_io.Build,
    s: Settings,
    key: bytes,
    run_id: str,
    run_date: date,
    started_at: datetime,
    sources: list[str] | None,
    datasets: list[str] | None,
) -> RunSummary:
    """Everything a night does inside its build folder, up to (not including) publishing."""
    ref = reference.load(s.reference_dir)
    con = b.con
    wh_io.install_key(con, key)
    progress.load_facts(con, ref, s.rule_settings())
    loading.ensure_tables(con, list(DATASETS.values()))
    plausibility.ensure_tables(con)  # once: each dataset's night_stats writes to them
    night = Night(con, s, ref, run_id, run_date, started_at)
    files = discover_files(quote(night), sources, datasets)
    logger = get_run_logger()
    logger.info("%d files in %s", len(files), s.landing / run_date.isoformat())
    records = [_record(lf, run_date, s.delivery_cutoff_hour) for lf in files]
    for lf, rec in zip(files, records, strict=True):
        if lf.rejection:
            rec.reject(lf.rejection)
            logger.warning("rejected %s: %s", lf.source_file, lf.rejection.en)
    progress.expect_when_sent(con, [(f.source_current, f.dataset, f.province_code) for f in files])
    by_dataset = _files_to_stage(con, files, records)
    step = _Steps(logger)
    with step("stage_and_finish"):
        _stage_and_finish(night, b, files, records, by_dataset)
    # Staging's memory is free: the warehouse connection takes what the process leaves.
    stage.release_memory()
    beside = memory.beside_duckdb(con)
    limit = s.after_staging_memory_limit(beside)
    wh_io.set_memory_limit(b, limit)
    logger.info(
        "memory after staging: %s MiB beside DuckDB; warehouse connection's limit %d MiB",
        "?" if beside is None else beside >> 20,
        limit >> 20,
    )
    with step("merge_segments"):
        wh_io.merge_segments(
            b,
            run_id,
            fanout=s.segment_fanout,
            max_rows=s.segment_merge_max_rows,
            grace_hours=s.segment_grace_hours,
        )
    with step("record_files"):
        record_files(quote(night), records)
    build_progress(quote(night))
    with step("plausibility"):
        check_plausibility(quote(night))
    with step("describe"):
        describe.write_reference(con, ref)  # ref.* tables, then every description (COMMENT ON)
        describe.comment_all(con)
    summary = RunSummary(
        run_id=run_id,
        run_date=run_date,
        status="succeeded",
        files=len(records),
        files_loaded=sum(r.status == "loaded" for r in records),
        files_rejected=sum(r.status == "rejected" for r in records),
        files_duplicate=sum(r.status == "duplicate" for r in records),
        rows_in=sum(r.rows_in for r in records),
        rows_loaded=sum(r.rows_loaded for r in records),
        rows_quarantined=sum(r.rows_quarantined for r in records),
        warehouse=str(s.warehouse),
        restricted=str(s.restricted_path),
    )
    meta.record_run(
        con,
        run_id=run_id,
        run_date=run_date,
        started_at=started_at,
        status="succeeded",
        sources=sources,
        datasets=datasets,
        files_seen=summary.files,
        rows_in=summary.rows_in,
        rows_loaded=summary.rows_loaded,
        rows_quarantined=summary.rows_quarantined,
    )
    return summary


@flow(name="vnhealth-backfill")
def backfill(
    start_date: date,
    end_date: date,
    landing: str | None = None,
    warehouse: str | None = None,
    restricted: str | None = None,
    sources: list[str] | None = None,
    datasets: list[str] | None = None,
    allow_empty: bool = False,
) -> list[dict]:
    """Run every night from `start_date` to `end_date` (inclusive), oldest first, each as
    its own `vnhealth-nightly` run published on its own. Stops at the first failed night;
    parameters that cannot work for every night fail it before the first (`UsageError`)."""
    s = Settings() if landing is None else Settings(landing=Path(landing))
    check_run(s, start_date, end_date, sources=sources, datasets=datasets, allow_empty=allow_empty)
    summaries = []
    day = start_date
    while day <= end_date:
        summaries.append(
            nightly(
                run_date=day,
                landing=landing,
                warehouse=warehouse,
                restricted=restricted,
                sources=sources,
                datasets=datasets,
                allow_empty=allow_empty,
            )
        )
        day += timedelta(days=1)
    return summaries
