"""Compare two published nights of the same landing zone, table by table.

    python scripts/compare_nights.py A/warehouse.duckdb B/warehouse.duckdb

Every table and view of both DuckDB files (and of the restricted files beside them) is
read in full, without the columns that differ from run to run by nature (run ids, clock
times, segment paths), sorted, and compared row for row. Used to check that a change of
code leaves every output of the night the same. Exit 0 when all tables agree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

# Columns whose values are per run by nature: ids drawn at run time, clock times, and the
# paths of segments (named by run id).
VOLATILE = {
    "run_id",
    "_run_id",
    "resolved_by_run",
    "started_at",
    "finished_at",
    "_loaded_at",
    "loaded_at",
    "processed_at",
    "written_at",
    "retired_at",
    "resolved_at",
    "created_at",
    "path",  # segment paths name the run
    "duration_s",
    "seconds",
}
# A segment's size in bytes: the order of rows inside a Parquet file is not fixed.
VOLATILE_IN = {("meta", "segments"): {"bytes"}}


def tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables()"
        " WHERE database_name = current_database()"
        " UNION SELECT schema_name, view_name FROM duckdb_views()"
        " WHERE database_name = current_database() AND NOT internal"
    ).fetchall()
    return sorted((s, t) for s, t in rows)


def snapshot(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple]:
    cols = [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?"
            " AND database_name = current_database() ORDER BY column_index",
            [schema, table],
        ).fetchall()
        if c not in VOLATILE and c not in VOLATILE_IN.get((schema, table), set())
    ]
    if not cols:
        return []
    listed = ", ".join(f'"{c}"::VARCHAR' for c in cols)
    return sorted(
        con.execute(f'SELECT {listed} FROM "{schema}"."{table}"').fetchall(),
        key=lambda r: tuple("" if v is None else v for v in r),
    )


def compare(a: Path, b: Path) -> int:
    ca = duckdb.connect(str(a), read_only=True)
    cb = duckdb.connect(str(b), read_only=True)
    ta, tb = tables(ca), tables(cb)
    bad = 0
    for missing in sorted(set(ta) ^ set(tb)):
        print(f"only in {'A' if missing in ta else 'B'}: {missing[0]}.{missing[1]}")
    for schema, table in sorted(set(ta) & set(tb)):
        ra, rb = snapshot(ca, schema, table), snapshot(cb, schema, table)
        same = ra == rb
        bad += not same
        print(f"{'same' if same else 'DIFF'} {schema}.{table}: {len(ra)} / {len(rb)} rows")
        if not same:
            extra_a = [r for r in ra if r not in set(rb)][:3]
            extra_b = [r for r in rb if r not in set(ra)][:3]
            print(f"   only A: {extra_a}\n   only B: {extra_b}")
    return bad


def _restricted_of(warehouse: Path) -> Path:
    """The default restricted file of a warehouse: in its own folder, or beside (before)."""
    own = warehouse.parent / "restricted" / "restricted.duckdb"
    return own if own.exists() else warehouse.with_name("restricted.duckdb")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a", type=Path, help="warehouse.duckdb of the first night")
    p.add_argument("b", type=Path, help="warehouse.duckdb of the second night")
    p.add_argument("--restricted-a", type=Path, help="default: restricted/ or beside A")
    p.add_argument("--restricted-b", type=Path, help="default: restricted/ or beside B")
    args = p.parse_args()
    bad = compare(args.a, args.b)
    ra = args.restricted_a or _restricted_of(args.a)
    rb = args.restricted_b or _restricted_of(args.b)
    if ra.exists() and rb.exists():
        bad += compare(ra, rb)
    print("all tables agree" if not bad else f"{bad} tables differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
