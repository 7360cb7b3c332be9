"""The local Prefect server that `vnhealth run` starts when no server answers, and that
later runs reuse (flows/prefect_api.py starts it; this module is its process).

It is Prefect's own server, UI included (`prefect server start` runs the same
application), on a loopback port, with its database where Prefect keeps it (PREFECT_HOME).
It stops itself when no run has used it for `--idle` seconds, or on SIGTERM (`vnhealth
server stop`). Runs hold a shared lock on the `users` file while they use it; the server
takes the start lock before it decides to stop, so a run never picks a server that is
stopping, and racing runs never start two.

    python -m flows.local_server --home PREFECT_HOME --port PORT --idle SECONDS
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

# How often the server looks whether a run still uses it.
POLL_SECONDS = 0.5


def _free(lock: IO[str]) -> bool:
    """Whether nobody holds `lock` (taken and released at once)."""
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(lock, fcntl.LOCK_UN)
    return True


class IdleStop:
    """Tells the uvicorn server to exit once no run has held the users lock for `idle`
    seconds; from then on it holds the start lock (until the process exits) and the state
    file is gone, so the next run starts a new server instead of reusing this one."""

    def __init__(self, paths: Any, idle: float, server: Any) -> None:
        self.paths, self.idle, self.server = paths, idle, server
        self.users = open(paths.users, "a+", encoding="utf-8")  # noqa: SIM115 (held)
        self.start_lock = open(paths.lock, "a+", encoding="utf-8")  # noqa: SIM115 (held)

    def watch(self) -> None:
        idle_since: float | None = None
        while not self.server.should_exit:
            time.sleep(POLL_SECONDS)
            if not _free(self.users):
                idle_since = None
                continue
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since < self.idle:
                continue
            try:
                fcntl.flock(self.start_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a run is deciding which server to use: ask again later
            if not _free(self.users):  # it took the users lock before we took ours
                fcntl.flock(self.start_lock, fcntl.LOCK_UN)
                idle_since = None
                continue
            logger.info("no run for %.0f s: the local Prefect server stops", self.idle)
            self.forget()
            self.server.should_exit = True

    def forget(self) -> None:
        """Remove the state file if it still names this process."""
        from flows.prefect_api import read_state

        state = read_state(self.paths)
        if state is not None and state.get("pid") == os.getpid():
            self.paths.state.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m flows.local_server")
    p.add_argument("--home", type=Path, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--idle", type=float, required=True)
    args = p.parse_args(argv)
    # Its log: its own lines, and Prefect's warnings and errors (not every service tick).
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    )
    logger.setLevel(logging.INFO)
    import uvicorn
    from prefect.server.api.server import create_app

    from flows.prefect_api import server_paths

    paths = server_paths(args.home)
    config = uvicorn.Config(
        create_app(), host="127.0.0.1", port=args.port, log_level="error", lifespan="on"
    )
    server = uvicorn.Server(config)
    stop = IdleStop(paths, args.idle, server)
    threading.Thread(target=stop.watch, name="idle-stop", daemon=True).start()
    try:
        # SIGTERM and SIGINT: uvicorn's graceful shutdown, after which it ends the process
        # with that signal (`vnhealth server stop` then removes the state file).
        server.run()
    finally:
        fcntl.flock(stop.start_lock, fcntl.LOCK_EX)  # no run reads the state meanwhile
        stop.forget()
        logger.info("local Prefect server on port %d stopped", args.port)


if __name__ == "__main__":
    main()
