"""The storage format of the night's files: a file in DuckDB 2.0's own format is rewritten
once into the format DuckDB 1.5 clients read, with its tables, views and comments."""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms.warehouse import storage


def _version(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute(
        "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'wh'"
    ).fetchone()[0]


def test_a_new_file_is_written_in_the_older_format(tmp_path: Path) -> None:
    con = duckdb.connect()
    storage.attach(con, tmp_path / "w.duckdb", "wh")
    assert _version(con).startswith(storage.STORAGE_VERSION)


def test_a_file_in_the_newer_format_is_rewritten_with_everything_in_it(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("CREATE SCHEMA s; CREATE TABLE s.t (x INTEGER); INSERT INTO s.t VALUES (7)")
        old.execute("CREATE VIEW s.v AS SELECT x FROM s.t")
        old.execute("COMMENT ON TABLE s.t IS 'bảng'; COMMENT ON COLUMN s.t.x IS 'cột'")
        old.execute("COMMENT ON VIEW s.v IS 'view'; COMMENT ON COLUMN s.v.x IS 'cột của view'")
    con = duckdb.connect()
    storage.attach(con, path, "wh")
    assert _version(con).startswith(storage.STORAGE_VERSION)
    assert con.execute("SELECT x FROM wh.s.v").fetchall() == [(7,)]
    comments = con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = 'wh' ORDER BY 1"
    ).fetchall()
    assert comments == [("t", "x", "cột"), ("v", "x", "cột của view")]
    assert not path.with_name(f"{path.name}.{storage.STORAGE_VERSION}").exists()
    con.execute("DETACH wh")
    storage.attach(con, path, "wh")  # the second time, nothing to rewrite
    assert con.execute("SELECT x FROM wh.s.t").fetchall() == [(7,)]
