"""Time a night, step by step, into a warehouse with 0, 30 and 365 earlier nights (issue 18).

    .venv/bin/python scripts/history_cost.py --work /tmp/hist-bench [--history 0 30 365]
        [--scale 0.2] [--server URL] [--repeats 1] [--fanout 8] [--scan]

Running 365 real nights would take hours, so the history is built cheaply (see
docs/benchmark.md, "History"): one real night (`vnhealth run`, dated a year before) is the
template, and each further earlier night is a clone of it, dated one day apart: every
segment it wrote copied under the clone's run id (recorded in the manifests `meta.segments`
as a night's own), and its rows of every per-night table (`meta`, `dq`, `progress`)
copied with the clone's `run_date` and `run_id`. The clones' core rows keep the
template's keys, so the core views hold K times the template's rows: a scan of history
costs what K real nights' would. Then tonight (a different generated night) runs with
`vnhealth run` into a copy of that warehouse, and the flow's `step <name>: <s> s` lines
and the `finished <dataset> ... in <s> s` lines give the time of each step.

A developer tool (not run by CI): it prints its own report.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BIN = Path(sys.executable).parent

# Per-night tables that do not grow with nights, or are handled apart.
NOT_PER_NIGHT = {"dq.rules", "progress.targets", "meta.segments"}
CLONED_SCHEMAS = ("meta", "dq", "progress")


def vnhealth_run(
    landing: Path, night: str, folder: Path, env: dict[str, str], log_to: Path | None = None
) -> dict:
    began = time.perf_counter()
    proc = subprocess.run(
        [
            str(BIN / "vnhealth"),
            "run",
            "--landing",
            str(landing),
            "--date",
            night,
            "--warehouse",
            str(folder / "warehouse.duckdb"),
            "--restricted",
            str(folder / "restricted.duckdb"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    log = proc.stdout + proc.stderr
    if log_to is not None:
        log_to.write_text(log)
    if proc.returncode:
        raise RuntimeError(f"vnhealth run {night} failed:\n{log[-4000:]}")
    steps: dict[str, float] = {"wall": seconds}
    for name, s in re.findall(r"step (\w+): ([0-9.]+) s", log):
        steps[name] = steps.get(name, 0.0) + float(s)
    steps["load_upsert"] = sum(
        float(s) for s in re.findall(r"finished \w+: .* in ([0-9.]+) s", log)
    )
    m = re.search(r"published \(run [^)]*\) in ([0-9.]+) s", log)
    steps["night"] = float(m.group(1)) if m else seconds
    return steps


def clone_history(folder: Path, template_date: date, tonight: date, k: int, fanout: int) -> None:
    """Make the warehouse in `folder` (one real night, `template_date`) hold `k` earlier
    nights: `k - 1` clones of the template dated `tonight - 1` ... `tonight - (k - 1)`.
    With `fanout` > 1, the segments are then merged by tiers as the nights would have left
    them (`segments.merge_tiers`)."""
    from transforms.warehouse import publish as wh_io
    from transforms.warehouse import segments

    wh, rs = folder / "warehouse.duckdb", folder / "restricted.duckdb"
    with wh_io.build(wh, rs, f"clone-{k}", memory_limit="1GB", threads=2) as b:
        con = b.con
        (template_run,) = con.execute("SELECT run_id FROM wh.meta.runs").fetchone() or ("",)
        clones = [(f"{template_run}-h{i:03d}", tonight - timedelta(days=i)) for i in range(1, k)]
        for db in segments.DATABASES:
            root = segments.store_root(con, db)
            live = con.execute(
                f"SELECT table_name, dataset, run_id, path, rows, bytes, kind "
                f"FROM {db}.meta.segments WHERE retired_at IS NULL"
            ).fetchall()
            rows = []
            for table, dataset, run_id, path, n, size, kind in live:
                for clone_run, _ in clones:
                    new = path.replace(run_id, clone_run)
                    (root / new).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(root / path, root / new)
                    rows.append((table, dataset, clone_run, new, n, size, kind))
            con.executemany(
                f"INSERT INTO {db}.meta.segments (table_name, dataset, run_id, path, rows, "
                "bytes, kind, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                rows,
            )
        con.execute("CREATE TEMP TABLE clones (run_id VARCHAR, run_date DATE)")
        con.executemany("INSERT INTO clones VALUES (?, ?)", clones)
        tables = con.execute(
            "SELECT schema_name || '.' || table_name, list(column_name) FROM duckdb_columns() "
            "WHERE database_name = 'wh' AND schema_name IN ? GROUP BY ALL",
            [list(CLONED_SCHEMAS)],
        ).fetchall()
        for name, columns in tables:
            if name in NOT_PER_NIGHT:
                continue
            replace = [f"c.{c} AS {c}" for c in ("run_id", "run_date") if c in columns]
            star = f"t.* REPLACE ({', '.join(replace)})" if replace else "t.*"
            con.execute(f"INSERT INTO wh.{name} SELECT {star} FROM wh.{name} AS t, clones AS c")
        for db in segments.DATABASES:
            tables_of = [segments.RAW, segments.QUARANTINE] if db == "rs" else []
            if db == "wh":
                tables_of = [
                    segments.core(v)
                    for (v,) in con.execute(
                        "SELECT view_name FROM duckdb_views() WHERE database_name = 'wh' "
                        "AND schema_name = 'core'"
                    ).fetchall()
                ]
            for t in tables_of:
                segments.refresh_view(con, t)
        segments.merge_tiers(con, f"{template_run}-merged", fanout, 2_000_000)
        wh_io.publish(b)


def scan_views(folder: Path, repeats: int = 3) -> dict[str, dict[str, float]]:
    """Read every stored view of both files once (`count(*)`: each binds and opens every
    live segment, as the night's upsert, set rules, live facts and trends do); the median
    of `repeats` rounds, with the live segment files and the rows."""
    import statistics

    import duckdb

    out = {}
    for name in ("warehouse", "restricted"):
        with duckdb.connect(str(folder / f"{name}.duckdb"), read_only=True) as con:
            views = con.execute(
                "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal "
                "AND schema_name IN ('core', 'raw', 'quarantine')"
            ).fetchall()
            (files,) = con.execute(
                "SELECT count(*) FROM meta.segments WHERE retired_at IS NULL"
            ).fetchall()[0]
            times, rows = [], 0
            for _ in range(repeats):
                began = time.perf_counter()
                rows = sum(
                    con.execute(f'SELECT count(*) FROM "{s}"."{v}"').fetchall()[0][0]
                    for s, v in views
                )
                times.append(time.perf_counter() - began)
        out[name] = {"live_segments": files, "rows": rows, "seconds": statistics.median(times)}
    return out


def sizes(folder: Path) -> dict[str, float]:
    files = list(folder.glob("*.segments/**/*.parquet"))
    return {
        "duckdb_mib": sum(p.stat().st_size for p in folder.glob("*.duckdb")) / 2**20,
        "snapshots_mib": sum(p.stat().st_size for p in folder.glob("snapshots/*.duckdb")) / 2**20,
        "segments_mib": sum(p.stat().st_size for p in files) / 2**20,
        "segment_files": len(files),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--history", type=int, nargs="+", default=[0, 30, 365])
    p.add_argument("--scale", type=float, default=0.2)
    p.add_argument("--date", default="2026-11-20", help="tonight")
    p.add_argument("--server", help="PREFECT_API_URL of a running server (else a temporary one)")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument(
        "--scan", action="store_true", help="also time a read of every view of each history"
    )
    p.add_argument(
        "--fanout",
        type=int,
        default=8,
        help="VNHEALTH_SEGMENT_FANOUT of the nights (0: no merging, as before issue 18)",
    )
    args = p.parse_args(argv)
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    tonight = date.fromisoformat(args.date)
    template_date = tonight - timedelta(days=400)
    env = dict(os.environ)
    env.setdefault("VNHEALTH_PSEUDONYM_KEY", "benchmark-key-not-a-secret")
    if args.server:
        env["PREFECT_API_URL"] = args.server
    env["VNHEALTH_SEGMENT_FANOUT"] = str(args.fanout)
    landing = work / "landing"
    for night in (template_date, tonight):
        if not (landing / night.isoformat()).exists():
            subprocess.run(
                [str(BIN / "vnhealth"), "generate", "--out", str(landing), "--date"]
                + [night.isoformat(), "--scale", str(args.scale), "--seed", "0"],
                env=env,
                check=True,
                capture_output=True,
            )
    template = work / "template"
    if not (template / "warehouse.duckdb").exists():
        template.mkdir(parents=True, exist_ok=True)
        vnhealth_run(landing, template_date.isoformat(), template, env)
    report = []
    for k in args.history:
        history = work / f"history-{k}-fanout{args.fanout}"
        if not (history / "warehouse.duckdb").exists():
            shutil.rmtree(history, ignore_errors=True)
            if k:
                shutil.copytree(template, history)
                began = time.perf_counter()
                clone_history(history, template_date, tonight, k, args.fanout)
                print(f"built {k} earlier nights in {time.perf_counter() - began:.1f} s")
            else:
                history.mkdir(parents=True)
        if k and args.scan:
            print(json.dumps({"history": k, "fanout": args.fanout, "scan": scan_views(history)}))
        for r in range(args.repeats):
            folder = work / f"night-{k}-fanout{args.fanout}"
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(history, folder)
            before = sizes(folder)
            steps = vnhealth_run(
                landing, tonight.isoformat(), folder, env, work / f"night-{k}-{r + 1}.log"
            )
            line = {
                "history": k,
                "fanout": args.fanout,
                "round": r + 1,
                **steps,
                **{f"before_{n}": v for n, v in before.items()},
            }
            report.append(line)
            print(json.dumps(line), flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    out = work / f"history_cost-fanout{args.fanout}.json"
    out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
