"""A self-contained copy of the analysts' file, to carry to another machine.

The published file's `core.*` views read Parquet segments in the data folder (see
`segments`): copied elsewhere, they need one `SET VARIABLE` or a `vnhealth relink`. The
export is for a copy that must need nothing at all, in any client: every table and view of
the file (or of a night's snapshot) written as a table into one new DuckDB file, in the
storage format the DuckDB 1.5 clients read, with every description. Its cost is that of
the rows, paid once when someone asks for it, never by the night.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb

from transforms import sqlfiles
from transforms.warehouse import storage
from transforms.warehouse.segments import FOLDER_VARIABLES

log = logging.getLogger(__name__)

# Schemas of a DuckDB file that are not the analysts' (DuckDB's own).
_SYSTEM = ("information_schema", "pg_catalog")


def export(source: Path, data_folder: Path, out: Path) -> dict[str, int]:
    """Write every table and view of the analysts' file `source` (the published file or a
    snapshot; its segments are in `data_folder`, wherever that is now) as tables into the
    new file `out`, with their descriptions. `out` appears whole or not at all. Returns
    the rows of each relation, `schema.name`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".{out.name}.part")
    part.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        # The views read the segments where the folder is now, even if it was moved.
        con.execute(
            f"SET VARIABLE {FOLDER_VARIABLES['wh']} = ?", [data_folder.resolve().as_posix()]
        )
        con.execute(f"ATTACH {sqlfiles.literal(source)} AS src (READ_ONLY)")
        con.execute(
            f"ATTACH {sqlfiles.literal(part)} AS dst "
            f"(STORAGE_VERSION {sqlfiles.literal(storage.STORAGE_VERSION)})"
        )
        relations = con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() "
            "WHERE database_name = 'src' AND NOT internal UNION ALL "
            "SELECT schema_name, view_name, comment FROM duckdb_views() "
            "WHERE database_name = 'src' AND NOT internal ORDER BY 1, 2"
        ).fetchall()
        counts: dict[str, int] = {}
        con.execute("BEGIN")
        for schema in sorted({s for s, _, _ in relations} - set(_SYSTEM)):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS dst.{sqlfiles.quoted(schema)}")
        for schema, name, comment in relations:
            if schema in _SYSTEM:
                continue
            qualified = f"{sqlfiles.quoted(schema)}.{sqlfiles.quoted(name)}"
            con.execute(f"CREATE TABLE dst.{qualified} AS FROM src.{qualified}")
            if comment:
                con.execute(f"COMMENT ON TABLE dst.{qualified} IS {sqlfiles.literal(comment)}")
            counts[f"{schema}.{name}"] = int(
                sqlfiles.scalar(con, f"SELECT count(*) FROM dst.{qualified}")
            )
        for schema, name, column, text in con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = 'src' AND NOT internal AND comment IS NOT NULL"
        ).fetchall():
            if schema in _SYSTEM:
                continue
            target = ".".join(sqlfiles.quoted(n) for n in (schema, name, column))
            con.execute(f"COMMENT ON COLUMN dst.{target} IS {sqlfiles.literal(text)}")
        con.execute("COMMIT")
        con.execute("CHECKPOINT dst")
        con.execute("DETACH dst")
        con.execute("DETACH src")
    except BaseException:
        con.close()
        part.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(part, out)
    log.info("exported %d tables and views of %s to %s", len(counts), source, out)
    return counts
