"""The night measures what its process holds besides DuckDB (transforms.memory): the warehouse
connection's limit after staging is set from it."""

from __future__ import annotations

import sys

import duckdb
import pytest

from transforms import memory

MiB = 1024**2
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="/proc: Linux only")


def test_the_resident_set_follows_what_python_holds():
    before = memory.resident_bytes()
    block = bytearray(64 * MiB)  # zero-filled: its pages are touched
    after = memory.resident_bytes()
    assert before is not None and after is not None
    assert after - before >= 60 * MiB
    del block


def test_what_duckdb_holds_is_not_counted_beside_it():
    con = duckdb.connect(config={"memory_limit": "1GB", "threads": 1})
    first = memory.beside_duckdb(con)
    con.execute("CREATE TABLE t AS SELECT range AS i, repeat('x', 40) AS s FROM range(3000000)")
    [(used,)] = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()
    second = memory.beside_duckdb(con)
    assert first is not None and second is not None
    assert used >= 40 * MiB  # the table is DuckDB's own ...
    assert second - first < used / 2  # ... and stays out of what is beside it
    held = bytearray(64 * MiB)
    assert memory.beside_duckdb(con) - second >= 60 * MiB  # Python's own is counted
    del held
    con.close()


def test_no_proc_no_figure():
    assert memory.resident_bytes(pid=2**31) is None
