"""Which Prefect server records a CLI run, found before Prefect is imported.

Without a server, Prefect starts a temporary one when the first flow run begins: a second
Python process that imports Prefect's whole server (seconds of CPU) while the first one
waits. A one-file run then spends most of its time waiting for that server. So `vnhealth
run`, before it imports Prefect:

- uses the server of `PREFECT_API_URL` (environment or active Prefect profile) when set;
- else uses a local server when one answers on Prefect's default address;
- else starts Prefect's temporary server itself, in the background, so that it starts
  while this process imports the night's code; the run waits for it just before the flow
  begins and stops it at the end. It is the very server Prefect would start (same
  application, same database under PREFECT_HOME), so the run is recorded as before.

No Prefect import here: `prefect.server` alone costs several seconds.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

# Where `prefect server start` listens unless told otherwise.
DEFAULT_API_URL = "http://127.0.0.1:4200/api"


def configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment, else from the active Prefect profile, else
    None. When Prefect is already imported (tests, a caller's own settings context), its
    current settings are asked instead."""
    if "prefect" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        return PREFECT_API_URL.value() or None
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
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


@contextmanager
def prefect_api(startup_timeout: float) -> Iterator[TemporaryServer | None]:
    """Point this process at a Prefect server for the `with` block (see the module's
    docstring); yields the temporary server it started, whose `wait_ready()` the caller
    calls before the first flow run, or None when an existing server is used."""
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
