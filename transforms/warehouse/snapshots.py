"""The analysts' file as published on each of the last nights: `<folder>/<date>.duckdb`.

The analysts' DuckDB file is small (the history lives in immutable segments), so keeping
what was published on a morning costs one small file: a copy of the file published for
that night, whose views name the segments of that night's manifest. Compaction keeps every
segment a kept snapshot reads (`needed_segments`), so a snapshot stays readable exactly as
analysts saw it until it is pruned (the last `keep` nights are kept). A re-run of a night
replaces its snapshot; a failed run or a compaction writes none.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from transforms.warehouse.modes import Protection, apply, make_dirs

log = logging.getLogger(__name__)

SUFFIX = ".duckdb"


@dataclass(frozen=True)
class Snapshots:
    """Where the snapshots of a warehouse go, and how many nights are kept (0: none)."""

    folder: Path
    keep: int


def path_of(s: Snapshots, night: date) -> Path:
    return s.folder / f"{night.isoformat()}{SUFFIX}"


def kept(s: Snapshots) -> dict[date, Path]:
    """The nights that have a snapshot, oldest first."""
    out = {}
    if s.folder.is_dir():
        for p in s.folder.glob(f"*{SUFFIX}"):
            with contextlib.suppress(ValueError):
                out[date.fromisoformat(p.name.removesuffix(SUFFIX))] = p
    return dict(sorted(out.items()))


def prepare(s: Snapshots, night: date, published_copy: Path, p: Protection) -> Path:
    """Copy the night's analysts' file (the build's copy, checkpointed) beside its snapshot
    under a temporary name; `commit` renames it once the night is published. Returns the
    temporary file."""
    s.folder.parent.mkdir(parents=True, exist_ok=True)
    make_dirs(s.folder, p)
    for stale in s.folder.glob(f".*{SUFFIX}.tmp"):  # a run killed between the two steps
        stale.unlink(missing_ok=True)
    tmp = s.folder / f".{night.isoformat()}{SUFFIX}.tmp"
    shutil.copyfile(published_copy, tmp)
    apply(tmp, p)
    return tmp


def commit(s: Snapshots, night: date, tmp: Path) -> None:
    """Make `tmp` the night's snapshot and prune the nights beyond the last `s.keep`."""
    os.replace(tmp, path_of(s, night))
    for old in list(kept(s))[: -s.keep]:
        log.info("pruning the snapshot of %s (keeping the last %d nights)", old, s.keep)
        path_of(s, old).unlink(missing_ok=True)
    fd = os.open(s.folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def needed_segments(s: Snapshots | None) -> frozenset[str]:
    """The segments (paths relative to the analysts' store) that the kept snapshots read."""
    if s is None:
        return frozenset()
    needed: set[str] = set()
    for night, path in kept(s).items():
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                needed |= {
                    p
                    for (p,) in con.execute(
                        "SELECT path FROM meta.segments WHERE retired_at IS NULL"
                    ).fetchall()
                }
        except duckdb.Error:
            # Delete nothing rather than break a snapshot we cannot read.
            log.error("cannot read the snapshot of %s: no retired segment is deleted", night)
            raise
    return frozenset(needed)
