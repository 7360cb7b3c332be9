"""The local Prefect server of `vnhealth run` (flows/prefect_api.py, flows/local_server.py):
racing runs share one, a run is recorded in it, it stays while a run uses it and stops
itself once idle, `vnhealth server stop` stops it, and a usage error starts none. Real
servers in their own PREFECT_HOME, each run a real process (no mocks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flows.prefect_api import answers, read_state, server_paths

IDLE = 3.0  # seconds without a run before the server stops itself

# A run's use of the server, as `vnhealth run` does it: acquire (start or reuse), wait until
# it answers, optionally record a flow run, say what it got, hold the server until told.
HOLDER = """
import json, sys
from flows.prefect_api import prefect_api
with prefect_api(startup_timeout=300, idle_seconds=float(sys.argv[1])) as server:
    server.wait_ready()
    flow_run = None
    if sys.argv[2] == "flow":
        from prefect import flow
        @flow(name="local-server-probe")
        def probe() -> int:
            return 1
        state = probe(return_state=True)
        flow_run = str(state.state_details.flow_run_id)
    print(json.dumps({"pid": server.state["pid"], "api_url": server.api_url,
                      "started": server.started, "flow_run": flow_run}), flush=True)
    sys.stdin.readline()
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.update(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120", DO_NOT_TRACK="1")
    return env


def _holder(home: Path, what: str = "hold") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(IDLE), what],
        env=_env(home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _got(holder: subprocess.Popen[str]) -> dict:
    assert holder.stdout is not None
    line = holder.stdout.readline()
    assert line, holder.stderr.read() if holder.stderr else ""
    return json.loads(line)


def _let_go(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.wait(timeout=60) == 0, holder.stderr.read() if holder.stderr else ""


def _servers(home: Path) -> list[int]:
    """Pids of the local servers of `home` that run now."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:  # not a process, or gone meanwhile
            continue
        if b"flows.local_server" in args and str(home).encode() in args:
            found.append(int(proc.name))
    return found


def _vnhealth(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *argv],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_racing_runs_share_one_server_that_records_them_and_stops_when_idle(tmp_path):
    home = tmp_path / "prefect"
    paths = server_paths(home)
    first, second = _holder(home, "flow"), _holder(home)
    holders = [first, second]
    try:
        a, b = _got(first), _got(second)
        assert a["pid"] == b["pid"] and a["api_url"] == b["api_url"]
        assert sorted([a["started"], b["started"]]) == [False, True]  # one started, one reused
        assert _servers(home) == [a["pid"]]
        # The run is in the server's database, and its UI answers.
        request = urllib.request.Request(
            f"{a['api_url']}/flow_runs/{a['flow_run']}", headers={"accept": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            run = json.load(r)
        assert run["state_type"] == "COMPLETED"
        with urllib.request.urlopen(a["api_url"].removesuffix("/api"), timeout=10) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
        assert (home / "prefect.db").is_file()

        # Held by a run: it stays past its idle time.
        _let_go(first)
        time.sleep(IDLE + 1.5)
        assert answers(a["api_url"]) and read_state(paths) is not None
        # No run any more: it stops itself, and forgets its state.
        _let_go(second)
        assert _until(lambda: not _servers(home), IDLE + 30), "still running"
        assert read_state(paths) is None
        # The next run starts a new one.
        third = _holder(home)
        holders.append(third)
        c = _got(third)
        assert c["started"] and c["pid"] != a["pid"]
        status = _vnhealth(home, "server", "status")
        assert f"pid {c['pid']}" in status.stdout and c["api_url"] in status.stdout
        # `vnhealth server stop` refuses while a run uses it, then stops it.
        refused = _vnhealth(home, "server", "stop")
        assert refused.returncode == 1 and "a run uses the local Prefect server" in refused.stderr
        _let_go(third)
        stopped = _vnhealth(home, "server", "stop")
        assert stopped.returncode == 0 and f"pid {c['pid']}" in stopped.stdout
        assert not _servers(home) and read_state(paths) is None
        assert "no local Prefect server" in _vnhealth(home, "server", "status").stdout
    finally:
        for holder in holders:
            if holder.poll() is None:
                holder.kill()
        for pid in _servers(home):
            os.kill(pid, 15)


def test_a_usage_error_starts_no_server(tmp_path):
    home = tmp_path / "prefect"
    started = time.monotonic()
    done = _vnhealth(home, "run", "--landing", str(tmp_path / "nowhere"), "--date", "2026-11-24")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert time.monotonic() - started < 10  # about a second alone; the machine is shared
    assert read_state(server_paths(home)) is None and not _servers(home)
