"""Compare two published nights of the same landing zone, table by table.

    python scripts/compare_nights.py A/warehouse.duckdb B/warehouse.duckdb

Every table and view of both DuckDB files (and of the restricted files beside them) is
read in full, without the columns that differ from run to run by nature (run ids, clock
times, segment paths: `transforms.warehouse.compare.VOLATILE`, which the tests use too),
sorted, and compared row for row. Used to check that a change of code leaves every output
of the night the same. Exit 0 when all tables agree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from transforms.warehouse.compare import rows, tables


def compare(a: Path, b: Path) -> int:
    ca = duckdb.connect(str(a), read_only=True)
    cb = duckdb.connect(str(b), read_only=True)
    ta, tb = tables(ca), tables(cb)
    bad = 0
    for missing in sorted(set(ta) ^ set(tb)):
        print(f"only in {'A' if missing in ta else 'B'}: {missing[0]}.{missing[1]}")
    for schema, table in sorted(set(ta) & set(tb)):
        ra, rb = rows(ca, schema, table), rows(cb, schema, table)
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
