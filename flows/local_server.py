"""The local Prefect server that `vnhealth run` starts when no server answers, and that
later runs reuse (flows/prefect_api.py starts it; this module is its process).

It is Prefect's own server, UI included (`prefect server start` runs the same
application), on a loopback port, with its database where Prefect keeps it (PREFECT_HOME).
It stops itself when no run has used it for `--idle` seconds, or on SIGTERM (`vnhealth
server stop`). Runs hold a shared lock on the `users` file while they use it; the server
takes the start lock before it decides to stop, so a run never picks a server that is
stopping, and racing runs never start two.

It starts in about the time Python takes to import Prefect's server: what it does not need
is skipped. Prefect's services for deployments (scheduler, late runs, pause expirations,
the workers' foreman) and for automations (triggers, actions) are off unless set
otherwise: CLI runs have no deployment, and no automation acts on them. The
database migrations and the registration of block types run on the first start, and again
whenever Prefect's version, its installed collections or the database's revision changed
since the last start that ran them; otherwise both are skipped (the registration's check
alone imports every Prefect collection, Dask's with prefect-dask: about a second of CPU).
Python's garbage collector is off while Prefect's server is imported and its application
built (a fifth of that CPU went to collections that found nothing to free).

    python -m flows.local_server --home PREFECT_HOME --port PORT --idle SECONDS
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from importlib.metadata import entry_points, version
from pathlib import Path
from typing import IO, Any

from flows.prefect_api import imports_without_gc, server_paths

logger = logging.getLogger(__name__)

# How often the server looks whether a run still uses it.
POLL_SECONDS = 0.5

# Prefect's services that schedule, mark late, expire pauses of and hand to workers the runs
# of deployments: a server of CLI runs has none (a deployment runs on the production server).
DEPLOYMENT_SERVICES = ("SCHEDULER", "LATE_RUNS", "PAUSE_EXPIRATIONS", "FOREMAN")
# Prefect's automations (reactive and proactive triggers, and the actions they take): the
# failure notifications are the production server's (prefect.yaml); here their start alone
# builds two in-process API clients (about half a CPU second, as the first run begins).
AUTOMATION_SERVICES = ("TRIGGERS",)

# In PREFECT_HOME: Prefect's version and collections and the database's revision after the
# last start that ran the migrations and registered the block types.
MIGRATED = "vnhealth-server-migrated.json"


def _database(home: Path) -> Path | None:
    """The server's database when it is Prefect's default SQLite file in `home`; None when a
    connection URL is configured (environment or profiles): then Prefect always migrates."""
    names = ("PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL")
    if any(os.environ.get(name) for name in names):
        return None
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    try:
        if "DATABASE_CONNECTION_URL" in profiles.read_text(encoding="utf-8").upper():
            return None
    except OSError:  # no profiles file: Prefect's defaults
        pass
    return home / "prefect.db"


def _migrated_state(home: Path) -> dict[str, Any] | None:
    """Prefect's version, its collections (their block types are registered) and the Alembic
    revision of the default database now; None when the database is not that file, or has
    no revision yet."""
    database = _database(home)
    if database is None or not database.is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            row = con.execute("select version_num from alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    if not row:
        return None
    collections = sorted(
        f"{e.name}={e.dist.version if e.dist else ''}"
        for e in entry_points(group="prefect.collections")
    )
    return {"prefect": version("prefect"), "collections": collections, "revision": str(row[0])}


def migrations_needed(home: Path) -> bool:
    """Whether the start must run the migrations and register the block types: not when the
    database is at the revision the last such start left, with the same Prefect version and
    collections."""
    state = _migrated_state(home)
    try:
        remembered = json.loads((home / MIGRATED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return state is None or remembered != state


def remember_migrated(home: Path) -> None:
    """After a start that ran the migrations and registered the block types: the next start
    may skip both."""
    state = _migrated_state(home)
    if state is not None:
        (home / MIGRATED).write_text(json.dumps(state), encoding="utf-8")


def _prefect_settings(home: Path) -> bool:
    """Set Prefect's settings for this server, unless the environment sets them; before
    Prefect is imported. Returns whether the migrations run."""
    for service in (*DEPLOYMENT_SERVICES, *AUTOMATION_SERVICES):
        os.environ.setdefault(f"PREFECT_SERVER_SERVICES_{service}_ENABLED", "false")
    if os.environ.get("PREFECT_SERVER_DATABASE_MIGRATE_ON_START") or os.environ.get(
        "PREFECT_API_DATABASE_MIGRATE_ON_START"
    ):
        return False  # the user decides: nothing to remember
    migrate = migrations_needed(home)
    os.environ["PREFECT_SERVER_DATABASE_MIGRATE_ON_START"] = "true" if migrate else "false"
    if not migrate:
        # Off, and its memo check too (that check is what imports the collections).
        os.environ.setdefault("PREFECT_SERVER_REGISTER_BLOCKS_ON_START", "false")
        os.environ.setdefault("PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION", "false")
    return migrate


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


def _remember_when_started(server: Any, home: Path) -> None:
    """Once uvicorn has started (the migrations ran in its start-up), remember them."""
    while not server.started:
        if server.should_exit:
            return
        time.sleep(POLL_SECONDS)
    remember_migrated(home)


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
    migrate = _prefect_settings(args.home)
    with imports_without_gc(freeze=True):
        import uvicorn
        from prefect.server.api.server import create_app

        app = create_app()
    paths = server_paths(args.home)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="error", lifespan="on")
    server = uvicorn.Server(config)
    stop = IdleStop(paths, args.idle, server)
    threading.Thread(target=stop.watch, name="idle-stop", daemon=True).start()
    if migrate:
        threading.Thread(
            target=_remember_when_started, args=(server, args.home), name="migrated", daemon=True
        ).start()
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
