"""A process's memory: what it holds, measured while it runs, and what it gives back. Once
staging is over the warehouse connection's limit follows what the rest of the night's
process still holds (`Settings.after_staging_memory_limit`; docs/benchmark.md "Memory of
the night"); staging and the generator give freed memory back with `trim_malloc`."""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the generator uses `trim_malloc` and never loads DuckDB
    import duckdb


def resident_bytes(pid: int | str = "self") -> int | None:
    """The resident set of a process in bytes (None where /proc cannot tell: not Linux)."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def beside_duckdb(con: duckdb.DuckDBPyConnection) -> int | None:
    """What this process holds besides the memory `con`'s database counts as its own:
    the interpreter, libraries, Python objects, allocators' free pages. None where the
    resident set cannot be read."""
    resident = resident_bytes()
    if resident is None:
        return None
    [(used,)] = con.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()"
    ).fetchall()
    return max(0, resident - int(used))


def trim_malloc(*, collect: bool = False) -> None:
    """Give back to the system the blocks glibc keeps free in its arenas (50-70 MiB in the
    night's process after a bundle; 300 -> 238 MiB in the generator's parent at 8M), after
    a garbage collection if `collect`. Nothing where there is no glibc."""
    if collect:
        gc.collect()
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform == "linux" else None
    if trim is not None:
        trim(0)
