"""Compare two published nights table by table, leaving out what differs by nature.

The one place that says which columns name the run or the clock: `scripts/compare_nights.py`
(two warehouses built from the same landing zone, e.g. by the thread and the Dask runner)
and the integration tests (a night re-run, the Dask path) use it, so that a column added
to the warehouse is volatile for all of them or for none."""

from __future__ import annotations

from typing import Any

import duckdb

# Columns that name the run (ids drawn at run time, and the segment paths named by them).
RUN_COLUMNS = frozenset({"run_id", "_run_id", "resolved_by_run", "path"})
# Columns that hold the clock: when something was loaded, written or resolved, and how long.
CLOCK_COLUMNS = frozenset(
    {
        "started_at",
        "finished_at",
        "_loaded_at",
        "loaded_at",
        "processed_at",
        "written_at",
        "retired_at",
        "resolved_at",
        "created_at",
        "duration_s",
        "seconds",
    }
)
VOLATILE = RUN_COLUMNS | CLOCK_COLUMNS
# A segment's size in bytes: the order of rows inside a Parquet file is not fixed.
VOLATILE_IN = {("meta", "segments"): frozenset({"bytes"})}
# The segment manifest is layout: how staging cut the night into bundles (raw rows are one
# segment per bundle) and when history was merged. Two nights agree when each table's
# dataset has the same live rows.
LAYOUT_SQL = {
    ("meta", "segments"): "SELECT table_name, dataset, sum(rows)::VARCHAR FROM meta.segments "
    "WHERE retired_at IS NULL GROUP BY ALL ORDER BY ALL"
}


def tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, name) of every table and view of the connection's own database."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables()"
        " WHERE database_name = current_database() AND NOT internal"
        " UNION SELECT schema_name, view_name FROM duckdb_views()"
        " WHERE database_name = current_database() AND NOT internal"
    ).fetchall()
    return sorted((s, t) for s, t in rows)


def stable_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The columns of `schema.table` that do not differ between two runs of the same files."""
    drop = VOLATILE | VOLATILE_IN.get((schema, table), frozenset())
    return [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?"
            " AND database_name = current_database() ORDER BY column_index",
            [schema, table],
        ).fetchall()
        if c not in drop
    ]


def rows(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[Any, ...]]:
    """Every row of `schema.table` without its volatile columns, as text, sorted (for the
    segment manifest: live rows per table and dataset, `LAYOUT_SQL`)."""
    if (schema, table) in LAYOUT_SQL:
        return con.execute(LAYOUT_SQL[schema, table]).fetchall()
    cols = stable_columns(con, schema, table)
    listed = ", ".join(f'"{c}"::VARCHAR' for c in cols) or "1"
    return sorted(
        con.execute(f'SELECT {listed} FROM "{schema}"."{table}"').fetchall(),
        key=lambda r: tuple("" if v is None else v for v in r),
    )
