"""The `vnhealth` command: generate, run, report, compact, snapshot, relink, server.

Exit status of `run`: 0 when the run completed (quarantined rows and rejected files are
data, not failure), 1 when the run failed (nothing was published), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.settings import Settings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vnhealth-etl")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


def _sub(sub, name: str, help: str, example: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=help,
        description=help[:1].upper() + help[1:] + ".",
        epilog="example:\n  " + example,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


WAREHOUSE_HELP = "the analysts' warehouse file (default: data/warehouse.duckdb, VNHEALTH_WAREHOUSE)"
RESTRICTED_HELP = (
    "the engineers' file with raw rows and the quarantine (default: restricted/"
    "restricted.duckdb in the warehouse's folder, VNHEALTH_RESTRICTED)"
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vnhealth",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="`vnhealth <command> --help` shows each command's options and an example.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    g = _sub(
        sub,
        "generate",
        "write a realistic landing zone with planted defects",
        "vnhealth generate --out data/landing --date 2026-11-24 --scale 0.2",
    )
    g.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="the landing root to write into: the night goes to DIR/<date>/, its ground "
        "truth to DIR/_truth/<date>/",
    )
    g.add_argument("--date", type=_date, required=True, help="the night (YYYY-MM-DD)")
    g.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="size of the night: 1.0 is about a real night's rows (default 1.0)",
    )
    g.add_argument(
        "--seed", type=int, default=0, help="random seed: same seed, same files (default 0)"
    )
    g.add_argument(
        "--nights",
        type=int,
        default=1,
        metavar="N",
        help="write N consecutive nights ending at --date, with a weekday rhythm, noise and "
        "(from 8 nights) planted anomalies of every plausibility check, their truth in "
        "DIR/_truth/anomalies.csv (default 1: the night alone)",
    )
    g.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="make the provinces' files in N processes (default: the machine's cores; 1: in "
        "this one); the files are the same for any N",
    )

    r = _sub(
        sub,
        "run",
        "run the nightly pipeline for a date (exit 0 ran, 1 failed, 2 usage error)",
        "vnhealth run --landing data/landing --date 2026-11-24\n"
        "  vnhealth run --landing data/landing --date 2026-11-24 --source p01 --dataset visits\n"
        "  vnhealth run --landing data/landing --date 2026-11-20 --until 2026-11-24",
    )
    r.add_argument(
        "--landing",
        type=Path,
        required=True,
        metavar="DIR",
        help="the landing root: it must hold the night's folder DIR/<date>/",
    )
    r.add_argument(
        "--date", type=_date, required=True, help="the night, YYYY-MM-DD (first night with --until)"
    )
    r.add_argument("--until", type=_date, help="backfill every night up to this date, oldest first")
    r.add_argument("--warehouse", type=Path, metavar="FILE", help=WAREHOUSE_HELP)
    r.add_argument("--restricted", type=Path, metavar="FILE", help=RESTRICTED_HELP)
    r.add_argument(
        "--source",
        action="append",
        dest="sources",
        metavar="S",
        help="only this source: moh, or p<NN> with a current or pre-2025 province code "
        "(repeatable; default: every source)",
    )
    r.add_argument(
        "--dataset",
        action="append",
        dest="datasets",
        metavar="X",
        help="only this dataset id (e.g. visits, births) or claims (repeatable; default: all)",
    )
    r.add_argument(
        "--allow-empty",
        action="store_true",
        help="publish a night whose folder holds no file (without it, an empty night folder "
        "is a usage error: a wrongly mounted share must not publish an all-red night)",
    )
    r.add_argument(
        "--task-runner",
        choices=("thread", "dask"),
        help="where files are staged: this process (thread, the default) or a Dask "
        "cluster (same as VNHEALTH_TASK_RUNNER)",
    )
    r.add_argument(
        "--dask-address",
        metavar="HOST:PORT",
        help="the Dask scheduler to use (default: a local cluster; same as VNHEALTH_DASK_ADDRESS)",
    )
    r.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="bundles staged at a time: threads, or local Dask worker processes "
        "(VNHEALTH_STAGE_WORKERS, VNHEALTH_DASK_WORKERS)",
    )

    sc = _sub(
        sub,
        "score",
        "score a run against the generator's ground truth",
        "vnhealth score --landing data/landing --date 2026-11-24",
    )
    sc.add_argument(
        "--landing",
        type=Path,
        required=True,
        metavar="DIR",
        help="the landing root written by `generate` (it holds DIR/_truth/<date>/)",
    )
    sc.add_argument("--date", type=_date, required=True, help="the night, YYYY-MM-DD")
    sc.add_argument("--warehouse", type=Path, metavar="FILE", help=WAREHOUSE_HELP)
    sc.add_argument("--restricted", type=Path, metavar="FILE", help=RESTRICTED_HELP)

    rep = _sub(
        sub,
        "report",
        "write the progress report (Markdown, HTML, XLSX, CSV, feedback files)",
        "vnhealth report --out data/report --date 2026-11-24",
    )
    rep.add_argument("--warehouse", type=Path, metavar="FILE", help=WAREHOUSE_HELP)
    rep.add_argument(
        "--restricted",
        type=Path,
        metavar="FILE",
        help="the quarantine, for the feedback files (default: next to the warehouse)",
    )
    rep.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="the folder to write into"
    )
    rep.add_argument(
        "--date", type=_date, help="a night that was run, YYYY-MM-DD (default: the latest)"
    )
    cp = _sub(
        sub,
        "compact",
        "rewrite each dataset's history into one segment",
        "vnhealth compact --warehouse data/warehouse.duckdb --grace-hours 24",
    )
    cp.add_argument("--warehouse", type=Path, metavar="FILE", help=WAREHOUSE_HELP)
    cp.add_argument("--restricted", type=Path, metavar="FILE", help=RESTRICTED_HELP)
    cp.add_argument(
        "--dataset",
        action="append",
        dest="datasets",
        metavar="X",
        help="only this dataset id (repeatable; default: every dataset)",
    )
    cp.add_argument(
        "--grace-hours",
        type=float,
        default=24.0,
        help="delete segments retired longer ago than this (default 24), except those a "
        "kept snapshot reads",
    )
    sn = _sub(
        sub,
        "snapshot",
        "the analysts' file as published on a night: its path, or a copy of it",
        "vnhealth snapshot --date 2026-11-24\n"
        "  vnhealth snapshot --date 2026-11-24 --out /tmp/2026-11-24.duckdb\n"
        "  duckdb -readonly $(vnhealth snapshot --date 2026-11-24)",
    )
    sn.add_argument("--warehouse", type=Path, metavar="FILE", help=WAREHOUSE_HELP)
    sn.add_argument(
        "--date",
        type=_date,
        help="the night, YYYY-MM-DD (without it: list the nights kept, oldest first)",
    )
    sn.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write a copy of the night's file here (it reads the same segments: keep it "
        "on this machine, and open it read-only)",
    )
    ex = _sub(
        sub,
        "export",
        "a self-contained copy of the analysts' file (every view as a table) to carry to "
        "another machine: it needs nothing set, in any client",
        "vnhealth export --out /media/usb/warehouse-2026-11-24.duckdb\n"
        "  vnhealth export --date 2026-11-20 --out /tmp/2026-11-20.duckdb",
    )
    ex.add_argument("--warehouse", type=Path, metavar="FILE", help=WAREHOUSE_HELP)
    ex.add_argument(
        "--date",
        type=_date,
        help="the night's snapshot, YYYY-MM-DD (default: the file as published last)",
    )
    ex.add_argument(
        "--out", type=Path, metavar="FILE", required=True, help="the new DuckDB file to write"
    )
    rl = _sub(
        sub,
        "relink",
        "make a data folder that was moved or copied read its own segments",
        "vnhealth relink --warehouse /new/place/data/warehouse.duckdb",
    )
    rl.add_argument("--warehouse", type=Path, metavar="FILE", help=WAREHOUSE_HELP)
    rl.add_argument("--restricted", type=Path, metavar="FILE", help=RESTRICTED_HELP)
    sv = _sub(
        sub,
        "server",
        "the local Prefect server that `run` starts when none answers: status, or stop it",
        "vnhealth server status\n  vnhealth server stop",
    )
    sv.add_argument(
        "action",
        choices=("status", "stop"),
        help="status: its UI address and pid, if one runs for this PREFECT_HOME; stop: stop it "
        "(it also stops itself after VNHEALTH_PREFECT_SERVER_IDLE_SECONDS without a run)",
    )
    sv.add_argument(
        "--force", action="store_true", help="stop it even while a run uses it (that run fails)"
    )
    return p


def _server(args: argparse.Namespace) -> int:
    from flows.prefect_api import running_server, server_paths, stop_server

    paths = server_paths()
    if args.action == "status":
        state = running_server(paths)
        if state is None:
            print(f"no local Prefect server runs for PREFECT_HOME={paths.home}")
            return 0
        print(
            f"local Prefect server: UI {state['ui_url']}, API {state['api_url']}, pid "
            f"{state['pid']}, started {state['started_at']}, stops after "
            f"{state['idle_seconds']:g} s without a run; PREFECT_HOME={paths.home}, log "
            f"{state['log']}"
        )
        return 0
    try:
        print(stop_server(paths, force=args.force))
    except RuntimeError as exc:
        print(f"server stop failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _usage_errors(problems: list[str]) -> int:
    for line in problems:
        print(line, file=sys.stderr)
    return 2


class _LogFormatter(logging.Formatter):
    """Date and time, level, then where the line comes from: the Prefect task run or flow
    run that logged it (`stage visits-0003`, `vnhealth-nightly/brave-fox`), else the logger."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(origin)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        task_run = getattr(record, "task_run_name", None)
        flow_run = getattr(record, "flow_run_name", None)
        flow = getattr(record, "flow_name", None)
        if task_run:
            record.origin = task_run
        elif flow_run and flow:
            record.origin = f"{flow}/{flow_run}"
        else:
            record.origin = record.name
        return super().format(record)


def _setup_logging() -> None:
    """One handler on the root logger, to stderr. Installed before Prefect is imported,
    Prefect then leaves the root logger alone (its lines come here, in this format)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h.formatter, _LogFormatter)]:
        root.removeHandler(handler)  # main() called again in the same process (tests)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Prefect's settings, read when it is imported, unless the user set them: its temporary
    # server's first start (database migrations) on a cold machine can take longer than
    # Prefect's default 20 s; no anonymous usage data is sent (the heartbeat of the
    # temporary server logs `Failed to send telemetry` on every offline run), and one
    # "Finished in state Completed()" line per task run is not logged (a task's failure
    # is, at ERROR; the flow logs one line per dataset instead).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false").lower() == "false":
        os.environ.setdefault("DO_NOT_TRACK", "1")  # the SDK's own events
    task_runs = os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "WARNING")
    # Prefect configures its loggers once, when first imported; if it already was (tests),
    # the level is set here.
    if "prefect" in sys.modules:
        logging.getLogger("prefect.task_runs").setLevel(task_runs)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_logging()
    if args.command == "generate":
        from flows.settings import Settings
        from sample.generate.night import NightSpec, generate
        from transforms.reference import load

        spec = NightSpec(
            run_date=args.date, scale=args.scale, seed=args.seed, rules=Settings().rule_settings()
        )
        if args.nights < 1:
            return _usage_errors(["--nights must be at least 1"])
        if args.jobs < 1:
            return _usage_errors(["--jobs must be at least 1"])
        if args.nights > 1:
            from sample.generate.history import generate_nights

            nights, anomalies = generate_nights(args.out, spec, args.nights, load(), jobs=args.jobs)
            first = args.date.toordinal() - args.nights + 1
            print(
                f"landing zone: {args.out}  ({args.nights} nights from "
                f"{date.fromordinal(first)} to {args.date}, {sum(c['files'] for c in nights)} "
                f"files, {sum(c['rows'] for c in nights)} rows, "
                f"{sum(c['defects'] for c in nights)} planted defects, "
                f"{len(anomalies)} planted anomalies)"
            )
            print(f"ground truth: {args.out / '_truth'}")
            return 0
        counts = generate(args.out, spec, load(), jobs=args.jobs)
        print(
            f"landing zone: {args.out / args.date.isoformat()}  ({counts['files']} files, "
            f"{counts['rows']} rows, {counts['defects']} planted defects)"
        )
        print(f"ground truth: {args.out / '_truth' / args.date.isoformat()}")
        return 0
    if args.command == "run":
        from flows.settings import Settings
        from flows.usage import run_problems

        if args.workers is not None and args.workers < 1:
            return _usage_errors(["--workers must be at least 1"])
        problems = run_problems(
            Settings(landing=args.landing),
            args.date,
            args.until,
            sources=args.sources,
            datasets=args.datasets,
            allow_empty=args.allow_empty,
        )
        if problems:
            return _usage_errors(problems)
        # Through the environment, so that backfill's nights use the same runner.
        for name, value in (
            ("VNHEALTH_TASK_RUNNER", args.task_runner),
            ("VNHEALTH_DASK_ADDRESS", args.dask_address),
            ("VNHEALTH_STAGE_WORKERS", args.workers),
            ("VNHEALTH_DASK_WORKERS", args.workers),
        ):
            if value is not None:
                os.environ[name] = str(value)
        from flows.prefect_api import import_ahead, imports_without_gc, prefect_api

        params = dict(
            landing=str(args.landing),
            warehouse=str(args.warehouse) if args.warehouse else None,
            restricted=str(args.restricted) if args.restricted else None,
            sources=args.sources,
            datasets=args.datasets,
            allow_empty=args.allow_empty,
        )
        timeout = float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])
        idle = Settings().prefect_server_idle_seconds
        with prefect_api(startup_timeout=timeout, idle_seconds=idle) as server:
            # Prefect only now: importing it takes seconds, during which the temporary
            # server (if one is needed) starts.
            with imports_without_gc():
                from flows.nightly import backfill, make_task_runner, nightly

            try:
                if server is not None:
                    import_ahead()  # while the server starts, if it does
                    server.wait_ready()
                if args.until:
                    summary = backfill(start_date=args.date, end_date=args.until, **params)
                else:
                    night = nightly.with_options(task_runner=make_task_runner(Settings()))
                    summary = night(run_date=args.date, **params)
            except Exception as exc:  # the run failed: nothing was published
                print(f"run failed: {exc}", file=sys.stderr)
                return 1
        print(json.dumps(summary, default=str, indent=2, ensure_ascii=False))
        return 0
    if args.command == "score":
        from flows.settings import Settings
        from flows.usage import score_problems

        overrides = {
            k: v for k, v in (("warehouse", args.warehouse), ("restricted", args.restricted)) if v
        }
        s = Settings(**overrides)
        problems = score_problems(args.landing, args.date, s.warehouse, s.restricted_path)
        if problems:
            return _usage_errors(problems)
        from sample.truth import score

        r = score(args.landing, args.date, s.warehouse, s.restricted_path)
        print(
            f"planted errors quarantined under their criterion: {r.errors_caught}/"
            f"{r.planted_errors} ({100 * r.error_recall:.2f}%)"
        )
        print(
            f"planted warnings loaded and flagged: {r.warnings_flagged}/{r.planted_warnings} "
            f"({100 * r.warning_recall:.2f}%)"
        )
        print(f"clean rows quarantined or flagged: {r.clean_rows_touched}")
        print(
            "clean rows with a pre-2025 commune code loaded with its successor: "
            f"{r.old_communes_mapped}/{r.old_communes}"
        )
        print(f"files with the expected status: {r.files_as_expected}/{r.files_expected}")
        print(f"files whose rows do not add up: {len(r.accounting_broken)}")
        for miss in r.misses[:20]:
            print("  missed:", *miss)
        for alarm in r.false_alarms[:20]:
            print("  false alarm:", *alarm)
        from sample.truth import score_anomalies

        a = score_anomalies(args.landing, s.warehouse)
        if a is not None:
            print(f"planted anomalies found: {a.found}/{a.planted}")
            for check, (found, planted) in sorted(a.by_check.items()):
                print(f"  {check}: {found}/{planted} found")
            print(
                f"false findings on clean series: {a.false_findings} of {a.judged} series "
                f"judged ({a.false_per_1000:.2f} per 1,000)"
            )
            print(f"findings explained by what a plant moves (truth role moved): {a.explained}")
            for miss in a.misses[:20]:
                print("  anomaly missed:", *miss)
            for alarm in a.false[:20]:
                print("  false finding:", *alarm)
        return 0
    if args.command == "report":
        from flows.settings import Settings
        from flows.usage import report_problems

        overrides = {
            k: v for k, v in (("warehouse", args.warehouse), ("restricted", args.restricted)) if v
        }
        s = Settings(**overrides)
        problems = report_problems(s.warehouse, args.date)
        if problems:
            return _usage_errors(problems)
        import duckdb

        from transforms.report import write_report

        try:
            written = write_report(
                s.warehouse, args.out, args.date, s.restricted_path, s.report_method()
            )
        except (RuntimeError, duckdb.Error) as exc:
            print(f"report failed: {exc}", file=sys.stderr)
            return 1
        for path in written:
            print(path)
        return 0
    if args.command == "compact":
        from flows.settings import Settings
        from transforms.warehouse import publish as wh_io

        overrides = {
            k: v for k, v in (("warehouse", args.warehouse), ("restricted", args.restricted)) if v
        }
        s = Settings(**overrides)
        try:
            done = wh_io.compact(
                s.warehouse,
                s.restricted_path,
                datasets=args.datasets,
                grace_hours=args.grace_hours,
                memory_limit=s.duckdb_memory_limit,
                threads=s.duckdb_threads,
                analysts=s.analysts_protection(),
                snapshots_to=s.snapshots(),
            )
        except (wh_io.WarehouseBusy, ValueError) as exc:
            print(f"compact failed: {exc}", file=sys.stderr)
            return 1
        for step in done:
            if step["retired"]:
                print(json.dumps(step))
        return 0
    if args.command == "snapshot":
        return _snapshot(args)
    if args.command == "server":
        return _server(args)
    if args.command == "export":
        return _export(args)
    if args.command == "relink":
        import duckdb

        from flows.settings import Settings
        from transforms.warehouse import publish as wh_io
        from transforms.warehouse import segments

        overrides = {
            k: v for k, v in (("warehouse", args.warehouse), ("restricted", args.restricted)) if v
        }
        s = Settings(**overrides)
        try:
            with wh_io.lock(s.warehouse):
                for path, db in ((s.warehouse, "wh"), (s.restricted_path, "rs")):
                    if path.exists():
                        n = segments.relink(path, db)
                        print(f"{path}: {n} views read {segments.store_folder(path)}")
        except (wh_io.WarehouseBusy, duckdb.Error) as exc:
            print(f"relink failed: {exc}", file=sys.stderr)
            return 1
        return 0
    return 2


def _snapshot(args: argparse.Namespace) -> int:
    """Print the path of a night's snapshot (or copy it to `--out`); without a date, list
    the nights kept. A night not kept is a usage error."""
    import shutil

    from flows.settings import Settings
    from transforms.warehouse import snapshots

    s = Settings(**({"warehouse": args.warehouse} if args.warehouse else {}))
    if args.date is None:
        for night, kept in snapshots.kept(s.snapshots()).items():
            print(night, kept)
        return 0
    path = _kept_snapshot(s, args.date)
    if isinstance(path, str):
        return _usage_errors([path])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, args.out)
        path = args.out
    print(path)
    return 0


def _kept_snapshot(s: Settings, night: date) -> Path | str:
    """The snapshot file of `night`, or the usage error that says which nights are kept."""
    from transforms.warehouse import snapshots

    store = s.snapshots()
    kept = snapshots.kept(store)
    if night in kept:
        return kept[night]
    nights = f"{min(kept)} to {max(kept)}, {len(kept)} nights" if kept else "none"
    return (
        f"no snapshot of {night} in {store.folder} (kept: {nights}; the last "
        f"{s.snapshots_kept} published nights are kept, VNHEALTH_SNAPSHOTS_KEPT)"
    )


def _export(args: argparse.Namespace) -> int:
    """Write the self-contained copy (`transforms.warehouse.export`) of the published file,
    or of a kept night's snapshot. A file or night that is not there is a usage error."""
    import duckdb

    from flows.settings import Settings
    from transforms.warehouse.export import export

    s = Settings(**({"warehouse": args.warehouse} if args.warehouse else {}))
    source = s.warehouse if args.date is None else _kept_snapshot(s, args.date)
    if isinstance(source, str):
        return _usage_errors([source])
    if not source.is_file():
        return _usage_errors([f"no warehouse at {source}: run a night first, or give --warehouse"])
    if args.out.resolve() in (source.resolve(), s.warehouse.resolve()):
        return _usage_errors([f"--out {args.out} is the file being exported: name a new file"])
    try:
        counts = export(source, s.warehouse.resolve().parent, args.out)
    except duckdb.Error as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {len(counts)} tables, {sum(counts.values())} rows, from {source}")
    return 0


def entry() -> None:
    """The `vnhealth` program: `main()`, then the process ends at once with its exit status.

    After a run, the interpreter's own shutdown (freeing the thousands of modules and
    objects Prefect, pandas and DuckDB loaded) costs about a CPU second and up to 3 s of
    wall time on a busy machine, for nothing: every file is closed and every log line sent
    by then. So the atexit handlers (Prefect's and the logging module's) run, the streams
    are flushed, and `os._exit` ends the process. Only here: `main()` itself returns (tests
    call it in their own process)."""
    import atexit
    import contextlib

    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, a usage error
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # closed, or a broken pipe: nothing more to say
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
