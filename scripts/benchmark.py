"""Benchmark the full night against a bare DuckDB load of the same files (issue 7).

    .venv/bin/python scripts/benchmark.py [--visits-rows 2000000] [--landing DIR]
        [--repeats 3] [--growth] [--growth-rows 250000] [--history 3] [--work DIR]

What it does, in one invocation (see docs/benchmark.md):

1. generates a landing zone (`vnhealth generate`) of `--visits-rows` visit rows, the other
   datasets in proportion (scale = rows / (150 x 34)), unless `--landing` names one to reuse;
2. starts ONE Prefect server (`prefect server start`, 127.0.0.1, a free port, a temporary
   PREFECT_HOME) so that server start-up is not counted in the night, as in production
   (a worker runs the night against a long-lived server); with `--temporary-server`, none:
   each `vnhealth run` starts Prefect's temporary server, as on a machine without one;
3. alternately times (a) the full night (`vnhealth run`, a fresh warehouse each time) and
   (b) a bare DuckDB load (`read_csv(..., union_by_name=true)` of all files of a dataset into
   a plain table, no checks, a fresh database file each time; claims packages by
   `bare_packages`: streamed, XML1-3 base64-decoded and parsed, rows inserted as text
   through Arrow), `--repeats` times each, and checks that both read the same rows per table;
4. with `--growth`, times the night at N and 4N visit rows (`--growth-rows`);
5. with `--history K` (K > 0), times a night into a warehouse that already holds K earlier
   nights against the same night into an empty one (the cost of the build-folder copy).

Each measured child runs inside a fresh wrapper interpreter that prints the wall time and
its own `RUSAGE_CHILDREN` peak RSS: `ru_maxrss` of RUSAGE_CHILDREN is the maximum over all
children so far, so measuring two children from one process would report the larger one.

This is a developer tool, not part of the pipeline and not run by CI; it prints its own
report and therefore uses `print`.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PER_SCALE = 150 * 34  # visit rows per unit of `--scale` (150 per province, 34 provinces)

# Runs `argv` and prints {"seconds", "max_rss_kb", "tree_rss_kb", "cpu_seconds",
# "returncode"} of that one child; a fresh interpreter per measurement, so RUSAGE_CHILDREN
# covers exactly one child. `cpu_seconds` (user + system of the child and the descendants it
# waited for) is the figure to compare on a shared machine, where wall time depends on load.
# `max_rss_kb` is the largest single process (the kernel's own peak); `tree_rss_kb` is the
# peak of the sum over the child and all its descendants (Dask workers, DuckDB in each),
# sampled from /proc every 0.2 s, so it can miss a spike shorter than that.
WRAPPER = r"""
import json, os, resource, subprocess, sys, time

def tree_rss_kb(root):
    parent, rss = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                parent[int(pid)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/statm") as fh:
                rss[int(pid)] = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = set(), [root]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, pp in parent.items() if pp == p and c not in tree]
    return sum(rss.get(p, 0) for p in tree)

t = time.perf_counter()
peak_tree = 0
with open(sys.argv[1], "ab") as log:
    child = subprocess.Popen(sys.argv[2:], stdout=log, stderr=log)
    while child.poll() is None:
        peak_tree = max(peak_tree, tree_rss_kb(child.pid))
        time.sleep(0.2)
rc = child.returncode
seconds = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss
print(json.dumps({"seconds": seconds, "max_rss_kb": peak, "tree_rss_kb": max(peak_tree, peak),
                  "cpu_seconds": usage.ru_utime + usage.ru_stime, "returncode": rc}))
"""


def measure(argv: list[str], log: Path, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(log), *argv],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["returncode"] != 0:
        raise SystemExit(f"{argv[0]} failed (exit {result['returncode']}); see {log}")
    return result


# --- the bare load --------------------------------------------------------------------


def _encoding(path: Path) -> str:
    """What DuckDB needs to be told: utf-16 by its BOM, utf-8 if the whole file decodes,
    otherwise latin-1 (a single-byte code page such as cp1258 loads byte for byte; no
    checks). The whole file: a cp1258 export can be ASCII for its first megabytes."""
    import codecs

    with path.open("rb") as fh:
        head = fh.read(2)
        if head in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16"
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def encodings(landing: Path, run_date: str) -> dict[str, str]:
    """The encoding of every file the bare load reads, worked out before it is timed: the
    bare load is given what the night has to find out for itself."""
    return {
        str(f): _encoding(f)
        for files in landing_files(landing, run_date).values()
        for f in files
        if f.suffix.lower() != ".xml"  # claims packages: XML says its own encoding
    }


def landing_files(landing: Path, run_date: str) -> dict[str, list[Path]]:
    """The files the night loads, by dataset: the generator's truth (`expected_status`
    loaded), so both sides read exactly the same files."""
    by_dataset: dict[str, list[Path]] = collections.defaultdict(list)
    with (landing / "_truth" / run_date / "files.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["expected_status"] == "loaded":
                name = row["source_file"].rsplit("/", 1)[-1]
                by_dataset[name.split(".")[0].split("__")[0]].append(landing / row["source_file"])
    return dict(by_dataset)


# The claims package's tables the night loads (LOAIHOSO → the row element's tag, the bare
# table): XML1 → visits, XML2 → visit_drugs, XML3 → visit_services. XML4..XML15 are only
# counted by the night, so the bare load skips them without decoding.
PACKAGE_TABLES = {
    "XML1": ("TONG_HOP", "claims_visits"),
    "XML2": ("CHI_TIET_THUOC", "claims_visit_drugs"),
    "XML3": ("CHI_TIET_DVKT", "claims_visit_services"),
}
PACKAGE_BATCH_ROWS = 50_000  # rows of a table held before they go to DuckDB


def bare_packages(con: Any, files: list[Path], batch_rows: int = PACKAGE_BATCH_ROWS) -> None:
    """The least a loader must do with claims packages: stream each envelope (`iterparse`,
    each HOSO dropped once read), base64-decode the tables XML1, XML2 and XML3, parse each
    (C tree builder), take each row element's children as {tag: text} (no stripping, no
    rules, no types, no line sums) and insert them, every column as text, into one plain
    table per table kind through Arrow (`INSERT ... BY NAME`, a column first seen in a
    later batch added to the table). Single-threaded, as the night's reader is."""
    import base64
    from xml.etree.ElementTree import fromstring, iterparse

    import pyarrow as pa

    pending: dict[str, list[dict[str, str | None]]] = {t: [] for _, t in PACKAGE_TABLES.values()}
    made: dict[str, set[str]] = {}

    def flush(table: str) -> None:
        rows = pending[table]
        if not rows:
            return
        names = list(dict.fromkeys(k for r in rows for k in r))
        batch = pa.table({k: pa.array([r.get(k) for r in rows], pa.string()) for k in names})
        con.register("package_batch", batch)
        if table not in made:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM package_batch')
            made[table] = set(names)
        else:
            for k in names:
                if k not in made[table]:
                    con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{k}" VARCHAR')
                    made[table].add(k)
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM package_batch')
        con.unregister("package_batch")
        rows.clear()

    for path in files:
        parent = None
        for event, elem in iterparse(path, events=("start", "end")):
            if event == "start":
                if elem.tag == "DANHSACHHOSO":
                    parent = elem
                continue
            if elem.tag == "FILEHOSO":
                kind = elem.findtext("LOAIHOSO")
                if kind in PACKAGE_TABLES:
                    row_tag, table = PACKAGE_TABLES[kind]
                    inner = fromstring(base64.b64decode(elem.findtext("NOIDUNGFILE") or ""))
                    out = pending[table]
                    out.extend({c.tag: c.text for c in row} for row in inner.iter(row_tag))
                    if len(out) >= batch_rows:
                        flush(table)
            elif elem.tag == "HOSO":
                elem.clear()
                if parent is not None:
                    parent.remove(elem)
    for table in pending:
        flush(table)


def bare_load(
    landing: Path,
    run_date: str,
    db: Path,
    threads: int,
    memory_limit: str,
    encoding_of: dict[str, str],
) -> None:
    """One plain table per dataset from all its files, one `read_csv` per encoding, every
    column as text (`all_varchar`: type sniffing on a sample fails on the dirty value that
    comes after it, and a bare load checks nothing); claims packages (`.xml`) by
    `bare_packages`, into one table per claims table."""
    import duckdb

    con = duckdb.connect(str(db), config={"threads": threads, "memory_limit": memory_limit})
    for dataset, all_files in sorted(landing_files(landing, run_date).items()):
        packages = [f for f in all_files if f.suffix.lower() == ".xml"]
        if packages:
            bare_packages(con, packages)
        files = [f for f in all_files if f.suffix.lower() != ".xml"]
        if not files:
            continue
        groups: dict[str, list[str]] = collections.defaultdict(list)
        for f in files:
            groups[encoding_of[str(f)]].append(str(f))
        selects = [
            f"SELECT * FROM read_csv({paths!r}, union_by_name = true, "
            f"encoding = '{enc}', all_varchar = true)"
            for enc, paths in sorted(groups.items())
        ]
        con.execute(f'CREATE TABLE "{dataset}" AS ' + " UNION ALL BY NAME ".join(selects))
    con.execute("CHECKPOINT")
    con.close()


# --- Prefect server -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrefectServer:
    """`prefect server start` on 127.0.0.1 with a temporary PREFECT_HOME, for the night runs."""

    def __init__(self, home: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        env = {
            **os.environ,
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
        }
        env.pop("PREFECT_API_URL", None)
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [
                str(BIN / "prefect"),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
        )

    def wait(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"prefect server exited ({self.proc.returncode})")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(1)
        raise SystemExit("prefect server did not become healthy in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: the server and its workers
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


# --- the benchmark --------------------------------------------------------------------


class Bench:
    def __init__(
        self,
        work: Path,
        server_url: str | None,
        threads: int,
        memory_limit: str,
        bare_memory_limit: str = "768MB",
    ) -> None:
        self.work, self.threads, self.memory_limit = work, threads, memory_limit
        self.bare_memory_limit = bare_memory_limit
        self.log = work / "children.log"
        self.env = dict(os.environ)
        self.env.pop("PREFECT_API_URL", None)
        if server_url:
            self.env["PREFECT_API_URL"] = server_url
        else:  # each night starts a temporary server, in its own throw-away PREFECT_HOME
            self.env["PREFECT_HOME"] = str(work / "prefect-home")
        self.env.setdefault("VNHEALTH_PSEUDONYM_KEY", "benchmark-key-not-a-secret")
        self.env.setdefault("VNHEALTH_DUCKDB_THREADS", str(threads))
        self.env.setdefault("VNHEALTH_DUCKDB_MEMORY_LIMIT", memory_limit)
        self._n = 0

    def _fresh(self, name: str) -> Path:
        self._n += 1
        folder = self.work / f"{name}-{self._n}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def generate(self, landing: Path, run_date: str, visits_rows: int, seed: int = 0) -> dict:
        scale = visits_rows / PER_SCALE
        return measure(
            [
                str(BIN / "vnhealth"),
                "generate",
                "--out",
                str(landing),
                "--date",
                run_date,
                "--scale",
                f"{scale:.6f}",
                "--seed",
                str(seed),
            ],
            self.log,
            self.env,
        )

    def night(self, landing: Path, run_date: str, warehouse_dir: Path | None = None) -> dict:
        folder = warehouse_dir or self._fresh("night")
        result = measure(
            [
                str(BIN / "vnhealth"),
                "run",
                "--landing",
                str(landing),
                "--date",
                run_date,
                "--warehouse",
                str(folder / "warehouse.duckdb"),
            ],
            self.log,
            self.env,
        )
        result["tables"] = _night_rows(folder / "warehouse.duckdb", run_date)
        if warehouse_dir is None:
            shutil.rmtree(folder, ignore_errors=True)
        return result

    def bare(self, landing: Path, run_date: str) -> dict:
        folder = self._fresh("bare")
        known = self.work / f"encodings-{landing.name}.json"
        if not known.exists():  # worked out once, outside the timing
            known.write_text(json.dumps(encodings(landing, run_date)))
        result = measure(
            [
                sys.executable,
                __file__,
                "bare-load",
                "--landing",
                str(landing),
                "--date",
                run_date,
                "--db",
                str(folder / "bare.duckdb"),
                "--threads",
                str(self.threads),
                "--memory-limit",
                self.bare_memory_limit,
                "--encodings",
                str(known),
            ],
            self.log,
            self.env,
        )
        result["tables"] = _bare_rows(folder / "bare.duckdb")
        shutil.rmtree(folder, ignore_errors=True)
        return result


def _night_rows(warehouse: Path, run_date: str) -> dict[str, int]:
    """Rows in of the night's loaded files, named as the bare load names its tables: the
    dataset, or `claims_<dataset>` for what came in claims packages (counted after the
    timing)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = con.execute(
            "SELECT dataset, lower(source_file) LIKE '%.xml' AS package, sum(rows_in)::BIGINT "
            "FROM meta.files WHERE status = 'loaded' AND run_date = ?::DATE GROUP BY ALL",
            [run_date],
        ).fetchall()
    finally:
        con.close()
    return {(f"claims_{ds}" if package else ds): n for ds, package, n in found}


def _bare_rows(db: Path) -> dict[str, int]:
    """Rows of every table of the bare load (counted after the timing)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
    finally:
        con.close()


def _same_rows(night: dict[str, int], bare: dict[str, int]) -> str:
    """Do the night and the bare load read the same rows, table by table?"""
    diff = {
        t: (night.get(t), bare.get(t))
        for t in sorted(set(night) | set(bare))
        if night.get(t) != bare.get(t)
    }
    if not diff:
        return f"rows per table: night and bare load agree on all {len(night)} tables"
    return "rows per table DIFFER (night, bare): " + ", ".join(
        f"{t} {n} {b}" for t, (n, b) in diff.items()
    )


def _rows(result: dict) -> int:
    """Rows in of a measured night (or bare load): what both sides read."""
    return sum(result["tables"].values())


def _median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def _mib(kb: float) -> str:
    return f"{kb / 1024:,.0f} MiB"


def _line(label: str, results: list[dict], rows: int | None = None) -> str:
    secs = [r["seconds"] for r in results]
    text = (
        f"{label:<34} median {statistics.median(secs):8.1f} s  "
        f"(runs: {', '.join(f'{s:.1f}' for s in secs)})  "
        f"peak RSS median {_mib(_median(results, 'max_rss_kb'))}, "
        f"max {_mib(max(r['max_rss_kb'] for r in results))}, "
        f"process tree max {_mib(max(r.get('tree_rss_kb', 0) for r in results))}"
    )
    if rows:
        text += f"  {rows / statistics.median(secs):,.0f} rows/s"
    return text


def _publish_cost(folder: Path) -> dict:
    """Sizes of a warehouse folder, and the time of `build` + `publish` of an empty night
    into it (the copy, attach, DDL and views, checkpoint and rename: the part of a night
    that grows with history when history is copied)."""
    from transforms.warehouse import publish as wh_io

    wh, rs = folder / "warehouse.duckdb", folder / "restricted.duckdb"
    out = {
        "duckdb_bytes": wh.stat().st_size + rs.stat().st_size,
        "segment_bytes": sum(p.stat().st_size for p in folder.glob("*.segments/**/*.parquet")),
        "segments": sum(1 for _ in folder.glob("*.segments/**/*.parquet")),
    }
    start = time.perf_counter()
    with wh_io.build(wh, rs, f"bench-{time.time_ns()}", memory_limit="1GB", threads=1) as b:
        wh_io.publish(b)
    out["publish_seconds"] = time.perf_counter() - start
    return out


def _history_line(n: dict) -> str:
    return (
        f"after night {n['night']:>2}: night {n['seconds']:6.1f} s, build+publish "
        f"{n['publish_seconds']:5.2f} s, DuckDB files {n['duckdb_bytes'] / 2**20:6.1f} MiB, "
        f"segments {n['segment_bytes'] / 2**20:7.1f} MiB in {n['segments']} files"
    )


def run(args: argparse.Namespace) -> None:
    work = Path(args.work or tempfile.mkdtemp(prefix="vnhealth-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    run_date = args.date
    # A background job ignores SIGINT; on SIGTERM, unwind so the Prefect server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    server = (
        None
        if args.temporary_server
        else PrefectServer(work / "prefect-home", work / "prefect-server.log")
    )
    try:
        bench = Bench(
            work, server and server.url, args.threads, args.memory_limit, args.bare_memory_limit
        )
        landing = args.landing
        if landing is None and args.compare:
            landing = work / "landing"
            g = bench.generate(landing, run_date, args.visits_rows, args.seed)
            report["generate"] = g
            print(
                f"generated {args.visits_rows:,} visit rows (+ the other datasets) in "
                f"{g['seconds']:.1f} s, peak RSS {_mib(g['max_rss_kb'])}: {landing}"
            )
        if server:
            server.wait()
            print(f"prefect server: {server.url}")
        else:
            print("prefect: no server; every night starts a temporary one")

        nights, bares = [], []
        for i in range(args.repeats if args.compare else 0):
            nights.append(bench.night(landing, run_date))
            bares.append(bench.bare(landing, run_date))
            print(
                f"  round {i + 1}: night {nights[-1]['seconds']:.1f} s "
                f"(CPU {nights[-1]['cpu_seconds']:.1f} s, peak RSS "
                f"{_mib(nights[-1]['tree_rss_kb'])}), bare {bares[-1]['seconds']:.1f} s "
                f"(CPU {bares[-1]['cpu_seconds']:.1f} s, peak RSS "
                f"{_mib(bares[-1]['tree_rss_kb'])})",
                flush=True,
            )
            report.update(nights=nights, bares=bares)  # kept if a later round is stopped
        if args.compare:
            rows = _rows(nights[0])
            print(f"landing zone {landing}: {rows:,} rows in the files the night loads")
            print(_same_rows(nights[0]["tables"], bares[0]["tables"]))
            ratio = _median(nights, "seconds") / _median(bares, "seconds")
            print(_line("(a) full night", nights, rows))
            print(_line("(b) bare DuckDB load", bares, rows))
            rounds = ", ".join(
                f"{n['seconds'] / b['seconds']:.2f}" for n, b in zip(nights, bares, strict=True)
            )
            print(f"median ratio (a)/(b): {ratio:.2f}  (per round: {rounds})")
            cpu_ratio = _median(nights, "cpu_seconds") / _median(bares, "cpu_seconds")
            cpu = {
                k: ", ".join(f"{r['cpu_seconds']:.1f}" for r in v)
                for k, v in (("night", nights), ("bare", bares))
            }
            print(
                f"median CPU ratio (a)/(b): {cpu_ratio:.2f}  (CPU s, night: {cpu['night']}; "
                f"bare: {cpu['bare']})"
            )
            report.update(rows=rows, nights=nights, bares=bares, ratio=ratio, cpu_ratio=cpu_ratio)

        if args.growth:
            small = args.growth_rows
            timings = {}
            for factor in (1, 4):
                grown = work / f"landing-growth-{factor}"
                if not (grown / run_date).exists():
                    g = bench.generate(grown, run_date, small * factor, args.seed)
                    print(f"generated {small * factor:,} visit rows in {g['seconds']:.1f} s")
            for _ in range(args.repeats):  # alternate N and 4N
                for factor in (1, 4):
                    timings.setdefault(factor, []).append(
                        bench.night(work / f"landing-growth-{factor}", run_date)
                    )
            for factor in (1, 4):
                print(
                    _line(
                        f"night at {small * factor:,} visit rows",
                        timings[factor],
                        _rows(timings[factor][0]),
                    )
                )
            growth = _median(timings[4], "seconds") / _median(timings[1], "seconds")
            cpu = _median(timings[4], "cpu_seconds") / _median(timings[1], "cpu_seconds")
            print(f"growth: 4N / N median time = {growth:.2f}, CPU {cpu:.2f}  (target at most 4.2)")
            report.update(growth_rows=small, growth=timings, growth_ratio=growth, growth_cpu=cpu)

        if args.history:
            hist_rows = args.history_rows
            hist = work / "landing-history"
            day = date.fromisoformat(run_date)
            dates = [(day - timedelta(days=k)).isoformat() for k in range(args.history, 0, -1)]
            for d in [*dates, run_date]:
                if not (hist / d).exists():
                    bench.generate(hist, d, hist_rows, args.seed)
            empty, full = [], []
            sizes, per_night = [], []
            for _ in range(args.repeats):
                empty.append(bench.night(hist, run_date))
                folder = bench._fresh("history")
                for k, d in enumerate(dates, start=1):
                    result = bench.night(hist, d, folder)
                    per_night.append(
                        {"night": k, "seconds": result["seconds"], **_publish_cost(folder)}
                    )
                    print(_history_line(per_night[-1]), flush=True)
                size = sum(p.stat().st_size for p in folder.glob("*.duckdb"))
                sizes.append(size)
                full.append(bench.night(hist, run_date, folder))
                per_night.append(
                    {
                        "night": len(dates) + 1,
                        "seconds": full[-1]["seconds"],
                        **_publish_cost(folder),
                    }
                )
                print(_history_line(per_night[-1]), flush=True)
                shutil.rmtree(folder, ignore_errors=True)
            print(_line("night into an empty warehouse", empty))
            print(_line(f"night after {args.history} earlier nights", full))
            before_mib = statistics.median(sizes) / 2**20
            growth = _median(full, "seconds") / _median(empty, "seconds")
            extra = _median(full, "seconds") - _median(empty, "seconds")
            print(
                f"warehouse + restricted before that night: {before_mib:,.0f} MiB; "
                f"publish growth: {growth:.2f}x ({extra:+.1f} s)"
            )
            report.update(
                history=args.history,
                history_rows=hist_rows,
                history_empty=empty,
                history_full=full,
                history_bytes=sizes,
                history_nights=per_night,
            )
    finally:
        if server:
            server.stop()
        (work / "report.json").write_text(json.dumps(report, indent=2, default=str))
        print(f"raw figures: {work / 'report.json'}")
        if not args.keep:
            for child in work.iterdir():
                if child.name not in {"report.json", "children.log", "prefect-server.log"}:
                    shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command")
    b = sub.add_parser("bare-load", help="(internal) the bare DuckDB load, run as a child")
    b.add_argument("--landing", type=Path, required=True)
    b.add_argument("--date", required=True)
    b.add_argument("--db", type=Path, required=True)
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--memory-limit", default="1GB")
    b.add_argument("--encodings", type=Path, required=True, help="JSON: file -> encoding")

    p.add_argument("--visits-rows", type=int, default=2_000_000)
    p.add_argument("--landing", type=Path, help="reuse a generated landing zone (skip generate)")
    p.add_argument("--date", default="2026-11-20")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--no-compare",
        dest="compare",
        action="store_false",
        help="skip the night-vs-bare comparison (only --growth / --history)",
    )
    p.add_argument("--growth", action="store_true", help="also time the night at N and 4N")
    p.add_argument("--growth-rows", type=int, default=250_000, help="N visit rows for --growth")
    p.add_argument(
        "--history",
        type=int,
        default=0,
        metavar="K",
        help="also time a night into a warehouse holding K earlier nights",
    )
    p.add_argument(
        "--history-rows", type=int, default=100_000, help="visit rows per night for --history"
    )
    from flows.settings import Settings

    night = Settings.model_fields  # the night's own defaults, not a copy of them
    p.add_argument(
        "--threads",
        type=int,
        default=night["duckdb_threads"].default,
        help="DuckDB threads, both sides (default: the night's)",
    )
    p.add_argument(
        "--memory-limit",
        default=night["duckdb_memory_limit"].default,
        help="the night's DuckDB memory_limit (default: the night's own)",
    )
    p.add_argument(
        "--bare-memory-limit",
        default="768MB",
        help="the bare load's DuckDB memory_limit (default 768MB, as measured since issue 18: "
        "at the night's 384MB the bare load of 2M visit rows runs out of memory)",
    )
    p.add_argument("--work", type=Path, help="scratch folder (default: a new temp folder)")
    p.add_argument("--keep", action="store_true", help="keep generated landing zones")
    p.add_argument(
        "--temporary-server",
        action="store_true",
        help="no shared Prefect server: each night starts a temporary one, as "
        "`vnhealth run` does on a machine without a server",
    )
    args = p.parse_args(argv)
    if args.command == "bare-load":
        bare_load(
            args.landing,
            args.date,
            args.db,
            args.threads,
            args.memory_limit,
            json.loads(args.encodings.read_text()),
        )
        return 0
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
