"""Claims packages read ahead, in worker processes, while the night stages other files.

A package's first read is one pass over the whole file (`claims_split.split_package`:
the envelope, the base64 tables, their rows and each episode's sums, spooled to disk):
about half of its staging, all of it holding the GIL, on the night's one staging thread.
Here a pool of worker processes (`workers`, started once per night) makes those passes, in
the order the night will stage the packages, while the staging thread works through the
other files; each package's first read waits for its split (`claims.offer`) and stages
from its spools. A worker imports only `claims_split` (no pandas: ~24 MiB each), so two
cost less memory than one did with the night's libraries (110 MiB); on two cores the
second uses the core the staging thread leaves while it waits for the first. The output
is the same either way: a split that fails in a worker (a worker that died, ran out of
memory, or a file that changed since) is made again by the reader itself, with the same
rows and the same reasons.

The spools hold raw rows: they go in a folder the night gives (its stage folder, private
to the night's user) and are removed when the night closes the pool. No Prefect here.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import shutil
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from transforms.ingest.readers import claims, claims_split
from transforms.ingest.stage import StageFile

log = logging.getLogger(__name__)

PACKAGE_EXT = "xml"


@dataclass
class Ahead:
    """The night's packages being split ahead (none when `pool` is None)."""

    root: Path
    pool: ProcessPoolExecutor | None = None
    futures: list[Future] = field(default_factory=list)
    cpu_before: float = 0.0  # CPU seconds of this process's reaped children at the start

    def close(self) -> None:
        """Stop the worker (after the split it is making, if any) and remove every spool
        made ahead, taken or not. Call it once the night's staging is over."""
        for future in claims.withdraw(self.root):
            future.cancel()
        self._stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def retire(self) -> None:
        """Stop the workers if every split they were given is made (their spools stay until
        `close`): the visits, staged first, take them all, and the workers' memory would
        otherwise stay beside the finishing of the night's largest datasets."""
        if self.pool is not None and all(f.done() for f in self.futures):
            self._stop()

    def _stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
            log.info(
                "claims packages split ahead: %d, workers' CPU %.1f s",
                sum(f.done() and not f.cancelled() and f.exception() is None for f in self.futures),
                _children_cpu() - self.cpu_before,
            )


def start(files: Iterable[StageFile], root: Path, limit: int, workers: int = 1) -> Ahead:
    """Split every claims package among `files` (in their order, each once) in at most
    `workers` processes, its spools under `root` (created private), each offered to the
    package's first read with `limit` (the largest decoded table). Without a package, or if
    no worker can start, nothing is split ahead: the readers read the packages themselves."""
    paths = list(dict.fromkeys(Path(f.path) for f in files if f.ext.lower() == PACKAGE_EXT))
    ahead = Ahead(root, cpu_before=_children_cpu())
    if not paths:
        return ahead
    processes = min(workers, len(paths))
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        # spawn: a fresh interpreter, not a fork of the night's threads and connections.
        ahead.pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
        for path in paths:
            future = ahead.pool.submit(claims_split.split_package, str(path), str(root), limit)
            claims.offer(path, limit, future, root)
            ahead.futures.append(future)
    except Exception as exc:  # no process to start (limits, memory): read in the night's thread
        log.warning("claims packages not split ahead, read in the staging thread: %r", exc)
        ahead.close()
        return Ahead(root)
    log.info("splitting %d claims package(s) ahead in %d worker process(es)", len(paths), processes)
    return ahead


def _children_cpu() -> float:
    """CPU seconds of the children this process has reaped (the workers, once shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
