"""Which Prefect server records a CLI run, found before Prefect is imported.

Without a server, Prefect starts a temporary one when the first flow run begins: a second
Python process that imports Prefect's whole server (seconds of CPU) while the first one
waits, and stops it at the end, so every small run pays it again. So `vnhealth run`,
before it imports Prefect:

- uses the server of `PREFECT_API_URL` (environment or active Prefect profile) when set;
- else uses a local server when one answers on Prefect's default address;
- else uses the local server that an earlier run started for this PREFECT_HOME, if it still
  runs; else starts one (flows/local_server.py: Prefect's own server with its UI, detached,
  its database under PREFECT_HOME) in the background, so that it starts while this process
  imports the night's code. It stays for the next runs and stops itself after
  `prefect_server_idle_seconds` without a run (or `vnhealth server stop`). A lock in
  PREFECT_HOME makes racing runs share one server;
- with `prefect_server_idle_seconds` 0: starts Prefect's temporary server in the
  background instead, and stops it at the end (same application, same database).

No Prefect import here: `prefect.server` alone costs several seconds.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

# Where `prefect server start` listens unless told otherwise.
DEFAULT_API_URL = "http://127.0.0.1:4200/api"


def prefect_home() -> Path:
    """PREFECT_HOME as Prefect reads it (absolute): where its database and profiles are."""
    home = os.environ.get("PREFECT_HOME") or Path.home() / ".prefect"
    return Path(home).expanduser().absolute()


def configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment, else from the active Prefect profile, else
    None. When Prefect is already imported (tests, a caller's own settings context), its
    current settings are asked instead."""
    if "prefect" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        return PREFECT_API_URL.value() or None
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or prefect_home() / "profiles.toml")
    try:
        config = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or config.get("active")
    profile = (config.get("profiles") or {}).get(active) or {}
    url = profile.get("PREFECT_API_URL")
    return str(url) if url else None


def answers(api_url: str, timeout: float = 0.5) -> bool:
    """Whether a Prefect API answers its health check at `api_url`."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TemporaryServer:
    """Prefect's temporary (ephemeral) server, started the way Prefect starts it (uvicorn
    on the server application, UI and scheduling services off), but without waiting."""

    def __init__(self, startup_timeout: float) -> None:
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.startup_timeout = startup_timeout
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update(PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
        )

    def wait_ready(self) -> None:
        """Return when the server answers; RuntimeError if it exits or takes too long."""
        deadline = time.monotonic() + self.startup_timeout
        while not answers(self.api_url, timeout=1.0):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the temporary Prefect server exited with code {self.process.returncode}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "the temporary Prefect server did not answer within "
                    f"{self.startup_timeout:.0f} s"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server, after Prefect has sent it the run's last logs and events (its
        senders drain only at exit, when the server would be gone)."""
        if "prefect" in sys.modules:
            from prefect._internal.concurrency.services import QueueService

            QueueService.drain_all(timeout=30)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass(frozen=True)
class ServerPaths:
    """The local server's files in PREFECT_HOME: the start lock (held while a run decides
    which server to use, or starts one, and by a server that stops), the users lock (held
    shared by every run that uses the server), its state (JSON: pid, port, URLs) and log."""

    home: Path
    lock: Path
    users: Path
    state: Path
    log: Path


def server_paths(home: Path | None = None) -> ServerPaths:
    home = home or prefect_home()
    return ServerPaths(
        home=home,
        lock=home / "vnhealth-server.lock",
        users=home / "vnhealth-server.users",
        state=home / "vnhealth-server.json",
        log=home / "vnhealth-server.log",
    )


def read_state(paths: ServerPaths) -> dict[str, Any] | None:
    """The local server's state file, or None when there is none (or it is unreadable)."""
    try:
        state = json.loads(paths.state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _is_local_server(pid: int) -> bool:
    """Whether process `pid` runs flows.local_server (not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: at least it exists
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return b"flows.local_server" in cmdline


def running_server(paths: ServerPaths) -> dict[str, Any] | None:
    """The state of this PREFECT_HOME's local server if its process runs, else None."""
    state = read_state(paths)
    if state is None or not _is_local_server(int(state.get("pid", 0))):
        return None
    return state


class LocalServer:
    """This PREFECT_HOME's local server, reused or started (see the module's docstring).
    Holds the users lock from `acquire` to `release`, so that the server does not stop
    under the run; a run that starts the server holds the start lock until it answers."""

    def __init__(self, paths: ServerPaths, state: dict[str, Any], started: bool) -> None:
        self.paths, self.state, self.started = paths, state, started
        self.api_url = str(state["api_url"])
        self.ui_url = str(state["ui_url"])
        self.startup_timeout = 0.0
        self._users: IO[str] | None = None
        self._start_lock: IO[str] | None = None

    @classmethod
    def acquire(cls, idle_seconds: float, startup_timeout: float) -> LocalServer:
        paths = server_paths()
        paths.home.mkdir(parents=True, exist_ok=True)
        start_lock = open(paths.lock, "a+", encoding="utf-8")  # noqa: SIM115 (held)
        fcntl.flock(start_lock, fcntl.LOCK_EX)
        try:
            # A server whose process runs is used even if it is slow to answer (a busy
            # machine): a second one on the same database would race its migrations.
            state = running_server(paths)
            server = cls(paths, state or _spawn(paths, idle_seconds), started=state is None)
            server.startup_timeout = startup_timeout
            server._users = open(paths.users, "a+", encoding="utf-8")  # noqa: SIM115 (held)
            fcntl.flock(server._users, fcntl.LOCK_SH)
        except BaseException:
            start_lock.close()
            raise
        if server.started:
            server._start_lock = start_lock  # until it answers: racing runs wait, then reuse
        else:
            start_lock.close()
        return server

    def wait_ready(self) -> None:
        """Return when the server answers (at once when reused); RuntimeError if its
        process exits or it takes too long."""
        try:
            deadline = time.monotonic() + self.startup_timeout
            while not answers(self.api_url, timeout=1.0):
                if not self._alive():
                    raise RuntimeError(
                        f"the local Prefect server exited (its log: {self.paths.log})"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the local Prefect server did not answer within "
                        f"{self.startup_timeout:.0f} s (its log: {self.paths.log})"
                    )
                time.sleep(0.1)
        except RuntimeError:
            self.paths.state.unlink(missing_ok=True)  # the next run starts another
            if _is_local_server(int(self.state["pid"])):
                os.kill(int(self.state["pid"]), signal.SIGTERM)
            raise
        finally:
            if self._start_lock is not None:
                self._start_lock.close()
                self._start_lock = None

    def _alive(self) -> bool:
        process = _SPAWNED.get(int(self.state["pid"]))
        if process is not None:  # started here: its exit status is known
            return process.poll() is None
        return _is_local_server(int(self.state["pid"]))

    def release(self) -> None:
        """The run no longer uses the server (after Prefect has sent it the run's last
        logs and events): its idle time starts when no run holds it."""
        if "prefect" in sys.modules:
            from prefect._internal.concurrency.services import QueueService

            QueueService.drain_all(timeout=30)
        for held in (self._start_lock, self._users):
            if held is not None:
                held.close()
        self._start_lock = self._users = None


# The servers this process started (a server outlives its starter: never waited for).
_SPAWNED: dict[int, subprocess.Popen[bytes]] = {}


def _server_env(paths: ServerPaths, port: int) -> dict[str, str]:
    """The local server's environment. It runs this run's own `flows` package: started with
    `python -P` (the working folder is not on its import path: one holding another
    checkout's `flows/` would win), the folder this `flows` came from first on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        PREFECT_HOME=str(paths.home),
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
    )
    here = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    return env


def _spawn(paths: ServerPaths, idle_seconds: float) -> dict[str, Any]:
    """Start the local server detached (its own session: it outlives this run and ^C) and
    write its state; the caller holds the start lock."""
    port = _free_port()
    env = _server_env(paths, port)
    with open(paths.log, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-P",  # see _server_env
                "-m",
                "flows.local_server",
                "--home",
                str(paths.home),
                "--port",
                str(port),
                "--idle",
                str(idle_seconds),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    _SPAWNED[process.pid] = process
    state = {
        "pid": process.pid,
        "port": port,
        "api_url": f"http://127.0.0.1:{port}/api",
        "ui_url": f"http://127.0.0.1:{port}",
        "idle_seconds": idle_seconds,
        "started_at": datetime.now().isoformat(timespec="seconds"),
        "log": str(paths.log),
    }
    paths.state.write_text(json.dumps(state), encoding="utf-8")
    return state


def stop_server(paths: ServerPaths, force: bool = False, timeout: float = 30.0) -> str:
    """Stop this PREFECT_HOME's local server; returns what was done, in a sentence.
    RuntimeError if a run uses it and not `force`, or it does not stop in `timeout`."""
    state = running_server(paths)
    if state is None:
        return f"no local Prefect server runs for PREFECT_HOME={paths.home}"
    with open(paths.users, "a+", encoding="utf-8") as users:
        try:
            fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not force:
                raise RuntimeError(
                    f"a run uses the local Prefect server at {state['ui_url']} (pid "
                    f"{state['pid']}): stop it after the run, or with --force"
                ) from None
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_local_server(pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the local Prefect server (pid {pid}) did not stop in {timeout} s")
        time.sleep(0.1)
    # uvicorn ends the process with the signal it got, before the server could forget it.
    with open(paths.lock, "a+", encoding="utf-8") as start_lock:
        fcntl.flock(start_lock, fcntl.LOCK_EX)
        if (read_state(paths) or {}).get("pid") == pid:
            paths.state.unlink(missing_ok=True)
    return f"stopped the local Prefect server at {state['ui_url']} (pid {pid})"


@contextmanager
def prefect_api(
    startup_timeout: float, idle_seconds: float = 0.0
) -> Iterator[TemporaryServer | LocalServer | None]:
    """Point this process at a Prefect server for the `with` block (see the module's
    docstring); yields the local or temporary server, whose `wait_ready()` the caller calls
    before the first flow run, or None when a configured server is used. `idle_seconds`:
    how long a local server it starts stays without a run (0: a temporary server)."""
    url = configured_api_url()
    if url:
        logger.info("Prefect server: %s (PREFECT_API_URL)", url)
        yield None
        return
    if answers(DEFAULT_API_URL, timeout=0.3):
        os.environ["PREFECT_API_URL"] = DEFAULT_API_URL
        logger.info(
            "Prefect server: %s (a local server answered; the run is recorded there)",
            DEFAULT_API_URL,
        )
        try:
            yield None
        finally:
            os.environ.pop("PREFECT_API_URL", None)
        return
    if idle_seconds > 0:
        local = LocalServer.acquire(idle_seconds, startup_timeout)
        os.environ["PREFECT_API_URL"] = local.api_url
        how = (
            f"started a local one (pid {local.state['pid']}; log {local.paths.log}), "
            "in the background while the night's code loads"
            if local.started
            else f"the local one an earlier run started (pid {local.state['pid']})"
        )
        logger.info(
            "Prefect server: %s; %s. UI %s; runs kept in PREFECT_HOME=%s (its database "
            "prefect.db unless PREFECT_API_DATABASE_CONNECTION_URL). Later runs reuse it; "
            "it stops after %s without a run (VNHEALTH_PREFECT_SERVER_IDLE_SECONDS), or "
            "with `vnhealth server stop`",
            local.api_url,
            how,
            local.ui_url,
            local.paths.home,
            _duration(float(local.state.get("idle_seconds", idle_seconds))),
        )
        try:
            yield local
        finally:
            os.environ.pop("PREFECT_API_URL", None)
            local.release()
        return
    server = TemporaryServer(startup_timeout)
    os.environ["PREFECT_API_URL"] = server.api_url
    logger.info(
        "Prefect server: none running, starting a temporary one at %s (runs recorded under "
        "PREFECT_HOME; start `prefect server start` to keep one running and save this time)",
        server.api_url,
    )
    try:
        yield server
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        logger.info("stopping the temporary Prefect server at %s", server.api_url)
        server.stop()


# What the first flow run and the first staged file import (Prefect's run engines; FastAPI's
# JSON encoder, which Prefect uses for the flow's parameters; pandera's pandas backend;
# pyarrow's pandas conversion): about a second, done while a starting server is awaited.
RUN_MODULES = (
    "prefect.flow_engine",
    "prefect.task_engine",
    "fastapi.encoders",
    "pandera.backends.pandas.register",
    "pyarrow.pandas_compat",
)


def import_ahead(modules: tuple[str, ...] = RUN_MODULES) -> None:
    """Import `modules` now rather than during the run (one that is missing is skipped:
    they only save time)."""
    import importlib

    with imports_without_gc():
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:
                logger.debug("not imported ahead: %s", name)


@contextmanager
def imports_without_gc(freeze: bool = False) -> Iterator[None]:
    """No garbage collection during the block: importing Prefect (its server even more)
    creates hundreds of thousands of objects (pydantic's schemas, SQLAlchemy's tables), none
    garbage, and the collector's passes over them cost a fifth of the import's CPU.
    `freeze`: afterwards those objects are never scanned again (gc.freeze), for a process
    that imports once (the local server; not the CLI, whose tests call it repeatedly)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"
