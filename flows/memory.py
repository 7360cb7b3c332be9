"""What the night's process holds in memory, measured while it runs: once staging is over,
the warehouse connection's limit follows what the rest of the process still holds
(`Settings.after_staging_memory_limit`; docs/benchmark.md "Memory of the night")."""

from __future__ import annotations

import os
from pathlib import Path

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
