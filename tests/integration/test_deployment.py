"""The real thing: a PostgreSQL database of its own, a Prefect server on loopback using it,
the deployments of prefect.yaml, a process worker, and runs triggered with parameters,
checked in the warehouse they publish and, for a failed one, in the notice it sends."""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx
import pytest

from sample.generate.night import NightSpec, generate
from tests.conftest import RUN_DATE
from tests.integration.listener import WEBHOOK_JSON, Listener
from transforms.reference import load

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Child processes in their own process groups, all ended at teardown."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict, log: Path) -> subprocess.Popen:
        proc = subprocess.Popen(
            args,
            cwd=REPO,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.children.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.children:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.children:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _pg_bin() -> Path:
    """The folder of Debian's PostgreSQL programs (package `postgresql`, newest version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's `postgresql`")
    return Path(found[-1]).parent


@contextmanager
def postgresql() -> Iterator[str]:
    """A PostgreSQL cluster of its own (initdb into a temporary folder, a free loopback
    port), with a database `prefect`; yields its SQLAlchemy URL, stops and removes it after.
    PostgreSQL refuses to run as root: as root, it runs as the OS user `postgres`."""
    pg_bin = _pg_bin()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="vnhealth-pg-"))  # not under root's tmp_path
    if as_user:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()

    def pg(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    try:
        pg(str(pg_bin / "initdb"), "-D", str(data), "-U", "prefect", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
        pg(
            str(pg_bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "pg.log"),
            "-w",
            "-o",
            options,
            "start",
        )
        try:
            pg(
                str(pg_bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "prefect",
                "prefect",
            )
            yield f"postgresql+asyncpg://prefect@127.0.0.1:{port}/prefect"
        finally:
            pg(str(pg_bin / "pg_ctl"), "-D", str(data), "-w", "-m", "fast", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Prefect server on a free loopback port, with its own PREFECT_HOME and its own
    PostgreSQL database."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PWD=str(REPO),
    )
    env.pop("VNHEALTH_NOTIFY_BLOCK", None)  # prefect.yaml names it
    env.pop("VNHEALTH_PSEUDONYM_KEY", None)  # the worker must get the key from the block
    procs = Processes()
    log = home / "server.log"
    with postgresql() as database_url:
        server_env = {**env, "PREFECT_API_DATABASE_CONNECTION_URL": database_url}
        args = [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
        procs.start(args, server_env, log)
        try:
            deadline = time.time() + 180
            while True:
                try:
                    if httpx.get(f"{env['PREFECT_API_URL']}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.time() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
            yield env, procs, home
        finally:
            procs.stop_all()
        # The worker's heartbeats locked SQLite; PostgreSQL has no such lock.
        assert "database is locked" not in log.read_text()


def _prefect(env: dict, *args: str, timeout: int = 180) -> str:
    done = subprocess.run(
        [PREFECT, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout + done.stderr


def _trigger_and_run(
    env: dict, procs: Processes, home: Path, params: dict, expect: str = "COMPLETED"
) -> dict:
    out = _prefect(
        env, "deployment", "run", "vnhealth-nightly/nightly", "--params", json.dumps(params)
    )
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", out).group(1)
    worker = procs.start(
        [PREFECT, "worker", "start", "--pool", "vnhealth-process", "--run-once"],
        env,
        home / f"worker-{flow_run_id}.log",
    )
    deadline = time.time() + 600
    while True:
        run = httpx.get(f"{env['PREFECT_API_URL']}/flow_runs/{flow_run_id}", timeout=10).json()
        if run["state"]["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
            break
        assert time.time() < deadline, (home / f"worker-{flow_run_id}.log").read_text()[-3000:]
        time.sleep(1)
    worker.wait(timeout=120)
    log = (home / f"worker-{flow_run_id}.log").read_text()
    assert run["state"]["type"] == expect, log[-4000:]
    return run


def test_a_deployed_night_runs_on_a_worker_and_reruns_without_reprocessing(server, tmp_path):
    env, procs, home = server
    landing = tmp_path / "landing"
    generate(landing, NightSpec(run_date=RUN_DATE, scale=0.2, seed=3), load())
    warehouse = tmp_path / "wh" / "warehouse.duckdb"

    _prefect(env, "work-pool", "create", "vnhealth-process", "--type", "process", "--overwrite")
    _prefect(env, "work-pool", "set-concurrency-limit", "vnhealth-process", "1")
    block = (
        "from prefect.blocks.system import Secret; "
        f"Secret(value='{secrets.token_hex(32)}').save('vnhealth-pseudonym-key', overwrite=True)"
    )
    subprocess.run([sys.executable, "-c", block], cwd=REPO, env=env, check=True, timeout=120)
    out = _prefect(env, "--no-prompt", "deploy", "--all")
    assert "nightly" in out and "backfill" in out

    deployment = httpx.get(
        f"{env['PREFECT_API_URL']}/deployments/name/vnhealth-nightly/nightly", timeout=10
    ).json()
    assert deployment["global_concurrency_limit"]["limit"] == 1
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "0 2 * * *"
    assert schedule["schedule"]["timezone"] == "Asia/Ho_Chi_Minh"

    params = {
        "run_date": RUN_DATE.isoformat(),
        "landing": str(landing),
        "warehouse": str(warehouse),
        "restricted": str(warehouse.with_name("r.duckdb")),
        "sources": ["moh", "p01"],
    }
    first = _trigger_and_run(env, procs, home, params)
    assert first["parameters"]["sources"] == ["moh", "p01"]
    assert first["parameters"]["run_date"] == RUN_DATE.isoformat()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute("SELECT run_id, status FROM meta.runs").fetchall()
        assert [status for _, status in runs] == ["succeeded"]
        sources = {
            s
            for (s,) in con.execute(
                "SELECT DISTINCT source FROM meta.files WHERE status = 'loaded'"
            ).fetchall()
        }
        assert sources == {"moh", "p01"}
        assert con.execute("SELECT count(*) FROM core.visits").fetchone()[0] > 0

    # The same run again: every file is recognised by its content and none is processed twice.
    _trigger_and_run(env, procs, home, params)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        second_run = con.execute(
            "SELECT run_id FROM meta.runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()[0]
        statuses = dict(
            con.execute(
                "SELECT status, count(*) FROM meta.files WHERE run_id = ? GROUP BY ALL",
                [second_run],
            ).fetchall()
        )
    assert "loaded" not in statuses and statuses["duplicate"] > 0


def test_a_failed_night_sends_its_notice_to_a_person(server, tmp_path):
    """A deployed night that fails (here: a source that does not exist) sends a notice
    through the webhook block prefect.yaml names, to a real HTTP listener."""
    env, procs, home = server
    _prefect(env, "work-pool", "create", "vnhealth-process", "--type", "process", "--overwrite")
    _prefect(env, "--no-prompt", "deploy", "--name", "nightly")
    landing = tmp_path / "landing"
    (landing / RUN_DATE.isoformat() / "p01").mkdir(parents=True)
    (landing / RUN_DATE.isoformat() / "p01" / "visits.csv").write_text("a\n1\n", encoding="utf-8")
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    with Listener() as listener:
        block = (
            "from prefect.blocks.notifications import CustomWebhookNotificationBlock as B; "
            f"B(name='vnhealth', url={listener.url!r}, json_data={WEBHOOK_JSON!r})"
            ".save('vnhealth-oncall', overwrite=True)"
        )
        subprocess.run([sys.executable, "-c", block], cwd=REPO, env=env, check=True, timeout=120)
        params = {
            "run_date": RUN_DATE.isoformat(),
            "landing": str(landing),
            "warehouse": str(warehouse),
            "sources": ["p99"],
        }
        run = _trigger_and_run(env, procs, home, params, expect="FAILED")
    [notice] = listener.received
    vi, en = notice["body"].split("\n\n")
    rerun = (
        f"vnhealth run --landing {landing} --date {RUN_DATE} --warehouse {warehouse} --source p99"
    )
    assert notice["subject"] == (
        f"vnhealth: đêm {RUN_DATE} thất bại (Failed) | night {RUN_DATE} Failed"
    )
    assert vi.startswith(f"Lượt chạy đêm {RUN_DATE} ({run['name']}) thất bại (Failed): ")
    assert "p99" in vi and "Sửa lỗi rồi chạy lại" in vi and rerun in vi
    assert en.startswith(f"The nightly run for {RUN_DATE} ({run['name']}) ended Failed: ")
    assert "re-run" in en and rerun in en
    assert not warehouse.exists()
