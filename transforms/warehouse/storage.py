"""The storage format of the files a night writes: one older clients can open.

DuckDB 2.0 writes storage version 69 by default, which the DuckDB CLI, JDBC driver (DBeaver,
Metabase) and Python packages of the 1.x line refuse ("version number 69, but we can only
read versions between 64 and 68"). A file attached with `STORAGE_VERSION` keeps that format
on every later write, and DuckDB 2.0 reads and writes it like its own. A file written
before in the newer format cannot be lowered in place: it is rewritten once
(`COPY FROM DATABASE` into a fresh file in the older format), which keeps every table,
view and comment.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb

from transforms import sqlfiles

log = logging.getLogger(__name__)

# The newest format the DuckDB 1.5 clients read (their CLI, JDBC driver and Python package).
STORAGE_VERSION = "v1.5.0"
_ALIASES = ("wh", "rs")


def attach(con: duckdb.DuckDBPyConnection, path: Path, alias: str) -> None:
    """ATTACH `path` as `alias` in `STORAGE_VERSION`, first rewriting a file that an earlier
    night wrote in a newer format."""
    alias = sqlfiles.ident(alias, _ALIASES)
    statement = (
        f"ATTACH {sqlfiles.literal(path)} AS {alias} "
        f"(STORAGE_VERSION {sqlfiles.literal(STORAGE_VERSION)})"
    )
    try:
        con.execute(statement)
    except duckdb.InvalidInputException as exc:
        if "cannot be lowered" not in str(exc):
            raise
        rewrite(con, path)
        con.execute(statement)


def rewrite(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Rewrite the DuckDB file `path` in `STORAGE_VERSION` (same tables, views, comments)."""
    fresh = path.with_name(f"{path.name}.{STORAGE_VERSION}")
    fresh.unlink(missing_ok=True)
    con.execute(f"ATTACH {sqlfiles.literal(path)} AS old_format (READ_ONLY)")
    try:
        con.execute(
            f"ATTACH {sqlfiles.literal(fresh)} AS new_format "
            f"(STORAGE_VERSION {sqlfiles.literal(STORAGE_VERSION)})"
        )
        con.execute("COPY FROM DATABASE old_format TO new_format")
        # COPY FROM DATABASE keeps the comments of tables, views and table columns, not
        # those of view columns.
        for schema, view, column, text in con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = 'old_format' AND comment IS NOT NULL AND table_name IN "
            "(SELECT view_name FROM duckdb_views() WHERE database_name = 'old_format' "
            "AND schema_name = duckdb_columns.schema_name)"
        ).fetchall():
            con.execute(
                f"COMMENT ON COLUMN new_format.{sqlfiles.quoted(schema)}.{sqlfiles.quoted(view)}."
                f"{sqlfiles.quoted(column)} IS {sqlfiles.literal(text)}"
            )
        con.execute("DETACH new_format")
    finally:
        con.execute("DETACH old_format")
    os.replace(fresh, path)
    log.warning("rewrote %s in DuckDB storage version %s", path, STORAGE_VERSION)
