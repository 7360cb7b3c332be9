"""Two runs of the same files agree when only what names the run, the clock or the layout
of segments differs."""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms.warehouse import compare


def _night(path: Path, run_id: str, beds: int, bundles: list[int]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA meta")
    con.execute("CREATE SCHEMA dq")
    con.execute(
        "CREATE TABLE meta.segments (table_name VARCHAR, dataset VARCHAR, path VARCHAR, "
        "rows BIGINT, bytes BIGINT, written_at TIMESTAMP, retired_at TIMESTAMP)"
    )
    for i, n in enumerate(bundles):
        con.execute(
            "INSERT INTO meta.segments VALUES ('raw.rows', 'visits', ?, ?, ?, now(), NULL)",
            [f"raw/visits/{run_id}-{i}.parquet", n, 100 * n + i],
        )
    con.execute("CREATE TABLE dq.night_stats (run_id VARCHAR, processed_at TIMESTAMP, beds INT)")
    con.execute("INSERT INTO dq.night_stats VALUES (?, now(), ?)", [run_id, beds])
    return con


def test_runs_agree_but_for_run_ids_clocks_and_bundles(tmp_path):
    a = _night(tmp_path / "a.duckdb", "r1", 5, [10, 20])
    b = _night(tmp_path / "b.duckdb", "r2", 5, [7, 3, 20])
    c = _night(tmp_path / "c.duckdb", "r3", 6, [30])
    assert compare.tables(a) == [("dq", "night_stats"), ("meta", "segments")]
    for schema, table in compare.tables(a):
        assert compare.rows(a, schema, table) == compare.rows(b, schema, table)
    assert compare.rows(a, "dq", "night_stats") != compare.rows(c, "dq", "night_stats")
    assert compare.rows(a, "meta", "segments") == [("raw.rows", "visits", "30")]
    assert compare.stable_columns(a, "dq", "night_stats") == ["beds"]
