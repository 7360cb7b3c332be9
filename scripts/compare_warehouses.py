"""Compare two runs' published files table by table (warehouse and restricted), ignoring
what differs between any two runs: run ids, timestamps, segment paths and sizes.

    python scripts/compare_warehouses.py BASE_DIR OTHER_DIR

Each directory holds `warehouse.duckdb` and `restricted.duckdb` (with their segment
stores). Prints one line per table and exits 1 if any differs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

# Columns that name or time a run, or a segment file named after one.
VOLATILE = re.compile(r"(^|_)run_id$|_at$|^path$|^bytes$|^resolved_by_run$|^error$")


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> list[str]:
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
        "UNION SELECT schema_name, view_name FROM duckdb_views() "
        "WHERE database_name = ? AND NOT internal ORDER BY ALL",
        [db, db],
    ).fetchall()
    return [f"{s}.{t}" for s, t in rows]


def _columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {qualified}").fetchall()]


def main(base: Path, other: Path) -> int:
    con = duckdb.connect()
    differ = 0
    for name in ("warehouse", "restricted"):
        # ATTACH takes no parameter; these are paths given on the command line.
        con.execute(f"ATTACH '{base / name}.duckdb' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{other / name}.duckdb' AS b (READ_ONLY)")
        ta, tb = _tables(con, "a"), _tables(con, "b")
        for missing in sorted(set(ta) ^ set(tb)):
            print(f"{name} {missing}: only in one")
            differ += 1
        for t in sorted(set(ta) & set(tb)):
            ca, cb = _columns(con, f"a.{t}"), _columns(con, f"b.{t}")
            if ca != cb:
                print(f"{name} {t}: columns differ {ca} / {cb}")
                differ += 1
                continue
            cols = ", ".join(f'"{c}"' for c in ca if not VOLATILE.search(c))
            # meta.runs error text names the run; everything else is compared as multisets.
            q = f"SELECT {cols} FROM a.{t} EXCEPT ALL SELECT {cols} FROM b.{t}"
            only_a = con.execute(f"SELECT count(*) FROM ({q})").fetchone()[0]
            q2 = f"SELECT {cols} FROM b.{t} EXCEPT ALL SELECT {cols} FROM a.{t}"
            only_b = con.execute(f"SELECT count(*) FROM ({q2})").fetchone()[0]
            n = con.execute(f"SELECT count(*) FROM a.{t}").fetchone()[0]
            status = "same" if not (only_a or only_b) else f"DIFFER ({only_a} / {only_b})"
            differ += bool(only_a or only_b)
            print(f"{name} {t}: {n} rows, {status}")
        con.execute("DETACH a")
        con.execute("DETACH b")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
