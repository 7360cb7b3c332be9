"""The `vnhealth` command: generate, run, report, compact.

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


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vnhealth", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="write a realistic landing zone with planted defects")
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--date", type=_date, required=True)
    g.add_argument("--scale", type=float, default=1.0)
    g.add_argument("--seed", type=int, default=0)

    r = sub.add_parser("run", help="run the nightly pipeline for a date")
    r.add_argument("--landing", type=Path, required=True)
    r.add_argument("--date", type=_date, required=True, help="the night (first night with --until)")
    r.add_argument("--until", type=_date, help="backfill every night up to this date, oldest first")
    r.add_argument("--warehouse", type=Path)
    r.add_argument("--restricted", type=Path)
    r.add_argument("--source", action="append", dest="sources", metavar="S")
    r.add_argument("--dataset", action="append", dest="datasets", metavar="X")
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

    sc = sub.add_parser("score", help="score a run against the generator's ground truth")
    sc.add_argument("--landing", type=Path, required=True)
    sc.add_argument("--date", type=_date, required=True)
    sc.add_argument("--warehouse", type=Path)
    sc.add_argument("--restricted", type=Path)

    rep = sub.add_parser("report", help="write the progress report")
    rep.add_argument("--warehouse", type=Path)
    rep.add_argument(
        "--restricted",
        type=Path,
        help="the quarantine, for the feedback files (default: next to the warehouse)",
    )
    rep.add_argument("--out", type=Path, required=True)
    rep.add_argument("--date", type=_date, help="run date (default: the latest)")
    cp = sub.add_parser("compact", help="rewrite each dataset's history into one segment")
    cp.add_argument("--warehouse", type=Path)
    cp.add_argument("--restricted", type=Path)
    cp.add_argument("--dataset", action="append", dest="datasets", metavar="X")
    cp.add_argument(
        "--grace-hours",
        type=float,
        default=24.0,
        help="delete segments retired longer ago than this (default 24)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Without a Prefect server, Prefect starts a temporary one; on a cold machine its first
    # start (database migrations) can take longer than Prefect's default 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if args.command == "generate":
        from flows.settings import Settings
        from sample.generate.night import NightSpec, generate
        from transforms.reference import load

        counts = generate(
            args.out,
            NightSpec(
                run_date=args.date,
                scale=args.scale,
                seed=args.seed,
                rules=Settings().rule_settings(),
            ),
            load(),
        )
        print(
            f"landing zone: {args.out / args.date.isoformat()}  ({counts['files']} files, "
            f"{counts['rows']} rows, {counts['defects']} planted defects)"
        )
        print(f"ground truth: {args.out / '_truth' / args.date.isoformat()}")
        return 0
    if args.command == "run":
        if args.workers is not None and args.workers < 1:
            print("--workers must be at least 1", file=sys.stderr)
            return 2
        # Through the environment, so that backfill's nights use the same runner.
        for name, value in (
            ("VNHEALTH_TASK_RUNNER", args.task_runner),
            ("VNHEALTH_DASK_ADDRESS", args.dask_address),
            ("VNHEALTH_STAGE_WORKERS", args.workers),
            ("VNHEALTH_DASK_WORKERS", args.workers),
        ):
            if value is not None:
                os.environ[name] = str(value)
        from flows.nightly import backfill, make_task_runner, nightly
        from flows.settings import Settings

        params = dict(
            landing=str(args.landing),
            warehouse=str(args.warehouse) if args.warehouse else None,
            restricted=str(args.restricted) if args.restricted else None,
            sources=args.sources,
            datasets=args.datasets,
        )
        if args.until and args.until < args.date:
            print("--until is before --date", file=sys.stderr)
            return 2
        try:
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
        from sample.truth import score

        overrides = {
            k: v for k, v in (("warehouse", args.warehouse), ("restricted", args.restricted)) if v
        }
        s = Settings(**overrides)
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
        print(f"files with the expected status: {r.files_as_expected}/{r.files_expected}")
        print(f"files whose rows do not add up: {len(r.accounting_broken)}")
        for miss in r.misses[:20]:
            print("  missed:", *miss)
        for alarm in r.false_alarms[:20]:
            print("  false alarm:", *alarm)
        return 0
    if args.command == "report":
        import duckdb

        from flows.settings import Settings
        from transforms.report import write_report

        overrides = {
            k: v for k, v in (("warehouse", args.warehouse), ("restricted", args.restricted)) if v
        }
        s = Settings(**overrides)
        try:
            written = write_report(s.warehouse, args.out, args.date, s.restricted_path)
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
            )
        except (wh_io.WarehouseBusy, ValueError) as exc:
            print(f"compact failed: {exc}", file=sys.stderr)
            return 1
        for step in done:
            if step["retired"]:
                print(json.dumps(step))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
