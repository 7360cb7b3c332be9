"""The segment store: the tables that grow with history, as immutable Parquet files.

`core.<dataset>` (warehouse), `raw.rows` and `quarantine.rows` (restricted) are views. Each
is the union of an empty typed source (it gives the view its types and makes it work with
no segment) and the live segments listed in the file's manifest `meta.segments`, minus the
rows of its tombstone table (`store.<schema>__<name>__deleted`). `quarantine.rows` also
joins its resolutions (`store.quarantine__rows__resolved`), since a segment is never
modified. The empty typed source of a `core.*` view is a typed `SELECT ... WHERE false` in
the view itself, its columns, types and descriptions taken from the dataset's description
(`transforms.warehouse.schema.core_columns`): the analysts' file holds no empty base
table. Those of the restricted views are empty base tables (`store.<schema>__<name>`).

A segment lives in the store folder next to its DuckDB file (`<dir>/<stem>.segments/`), under
`<schema>/<dataset>/<run_id>.parquet` (`<run_id>-<n>.parquet` for files a staging task
wrote and the night adopted as they are: see `adopt`). A night writes its segments straight
into the store: they are invisible until the DuckDB file whose manifest names them is
published (renamed over the old one), so publishing costs the size of the DuckDB files, not
of the history.
How a view names its segments (`segment_list`, the one place that builds the paths): DuckDB
resolves a relative path in a view against the reader's working directory, not against the
file, and takes no subquery in a table function's arguments, so a view cannot find the
folder of the file that holds it. A view names each segment as
`coalesce(getvariable('vnhealth_data'), '<data folder when published>') ||
'/warehouse.segments/<path>'`: in place (and for a snapshot in a subfolder of the data
folder, such as `data/snapshots/<date>.duckdb`) it works from any working directory and any
client with nothing to set; a data folder copied or moved elsewhere works once the reader
runs `SET VARIABLE vnhealth_data = '<the folder it is in now>'` (`vnhealth_restricted_data`
for the restricted file). A copy opened without it must not read the original's files: the
view also checks that the file it was opened from lies in the data folder it names (or that
the variable is set), and otherwise fails with a message that says what to do. Every build
regenerates the views, so a warehouse moved for good heals on its next run.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from transforms import sqlfiles
from transforms.warehouse import storage
from transforms.warehouse.modes import ANALYSTS, RESTRICTED, Protection, apply, kept, make_dirs
from transforms.warehouse.schema import core_columns, core_description
from validations.registry import DATASETS

log = logging.getLogger(__name__)

DATABASES = ("wh", "rs")
_CORE_TOMBSTONE = ("_run_id", "_source_file", "_source_row")
_FILE_TOMBSTONE = ("run_id", "source_file")
RESOLUTION_COLUMNS = (
    ("resolved_at", "TIMESTAMP"),
    ("resolved_by_run", "VARCHAR"),
    ("resolved_on", "DATE"),
)


# The kinds of segment in a manifest: rows of the view, or tombstones (rows that left it).
ROWS, DELETED = "rows", "deleted"


@dataclass(frozen=True)
class StoredTable:
    """A view over segments: `db.schema.name`, rows deleted by `tombstone` columns."""

    db: str
    schema: str
    name: str
    tombstone: tuple[str, ...]
    resolved: bool = False

    @property
    def table_name(self) -> str:
        """The name analysts use, and the manifest's `table_name`."""
        return f"{self.schema}.{self.name}"

    @property
    def base(self) -> str:
        """The empty typed base table, unqualified by catalog (as the view names it)."""
        return f"store.{self.schema}__{self.name}"

    @property
    def deleted(self) -> str:
        """The tombstone table of a restricted view (a core view's tombstones are segments)."""
        return f"{self.base}__deleted"

    @property
    def tombstone_segments(self) -> bool:
        """Whether rows leave the view by tombstone segments (core: the analysts' file then
        lists no internal table) rather than by a tombstone table (restricted views)."""
        return self.db == "wh"

    @property
    def resolutions(self) -> str:
        return f"{self.base}__resolved"

    def segment_path(self, dataset: str, run_id: str, suffix: str = "", kind: str = ROWS) -> str:
        """Where a segment goes, relative to the store (tombstones in `deleted/` beside the
        rows)."""
        folder = f"{self.schema}/{dataset}" + ("/deleted" if kind == DELETED else "")
        return f"{folder}/{run_id}{suffix}.parquet"


RAW = StoredTable("rs", "raw", "rows", _FILE_TOMBSTONE)
QUARANTINE = StoredTable("rs", "quarantine", "rows", _FILE_TOMBSTONE, resolved=True)


def core(dataset: str) -> StoredTable:
    return StoredTable("wh", "core", dataset, _CORE_TOMBSTONE)


def store_folder(database_file: Path) -> Path:
    """`data/warehouse.duckdb` -> `data/warehouse.segments`."""
    return database_file.resolve().with_name(f"{database_file.stem}.segments")


def install_stores(
    con: duckdb.DuckDBPyConnection, stores: dict[str, tuple[Path, Protection]]
) -> None:
    """Tell the night's connection where the store of each attached file is and how its new
    folders and segments are protected (`stg_stores`); create the stores that are missing."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS stg_stores (db VARCHAR PRIMARY KEY, root VARCHAR, "
        "file_mode INTEGER, dir_mode INTEGER, uid INTEGER, gid INTEGER)"
    )
    con.execute("DELETE FROM stg_stores")
    # Views left stale on purpose until the night ends (`adopt(refresh=False)`).
    con.execute("CREATE TABLE IF NOT EXISTS stg_stale_views (table_name VARCHAR)")
    for db, (root, p) in stores.items():
        root.parent.mkdir(parents=True, exist_ok=True)
        make_dirs(root, p)
        con.execute(
            "INSERT INTO stg_stores VALUES (?, ?, ?, ?, ?, ?)",
            [_db(db), str(root), p.file_mode, p.dir_mode, p.uid, p.gid],
        )
        # The night's own connection reads the stores where they are, wherever its build
        # folder is (the views' guard then holds for it too).
        con.execute(f"SET VARIABLE {FOLDER_VARIABLES[_db(db)]} = ?", [root.parent.as_posix()])


def store_protection(con: duckdb.DuckDBPyConnection, db: str) -> Protection:
    """How the new folders and segments of `db`'s store are protected."""
    row = con.execute(
        "SELECT file_mode, dir_mode, uid, gid FROM stg_stores WHERE db = ?", [_db(db)]
    ).fetchone()
    if row is None:
        raise RuntimeError(f"no segment store installed for {db}")
    return Protection(*row)


def store_root(con: duckdb.DuckDBPyConnection, db: str) -> Path:
    row = con.execute("SELECT root FROM stg_stores WHERE db = ?", [_db(db)]).fetchone()
    if row is None:
        raise RuntimeError(f"no segment store installed for {db}")
    return Path(row[0])


def ensure(con: duckdb.DuckDBPyConnection, t: StoredTable) -> None:
    """Create the tombstone (and resolution) tables of `t` next to its base table, move the
    rows of a pre-segment table of the same name into a segment, and (re)create the view."""
    if t.db == "wh":
        _drop_legacy_base(con, t)
    if t.tombstone_segments:
        _drop_legacy_tombstones(con, t)
    else:
        key = ", ".join(f"{c} {_column_type(con, t, c)}" for c in t.tombstone)
        con.execute(f"CREATE TABLE IF NOT EXISTS {t.db}.{t.deleted} ({key})")
    if t.resolved:
        cols = ", ".join(f"{c} {typ}" for c, typ in RESOLUTION_COLUMNS)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {t.db}.{t.resolutions} "
            f"(run_id VARCHAR, source_file VARCHAR, row_number BIGINT, {cols})"
        )
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_catalog = ? "
        "AND table_schema = ? AND table_name = ?",
        [t.db, t.schema, t.name],
    ).fetchone()
    if kind and kind[0] == "BASE TABLE":
        _migrate(con, t)
    refresh_view(con, t)


def _migrate(con: duckdb.DuckDBPyConnection, t: StoredTable) -> None:
    """A warehouse written before segments: its table becomes one segment."""
    old = f"{t.db}.{t.table_name}"
    stamp = f"migrated-{datetime.now():%Y%m%d%H%M%S}"
    columns = [c for c, _, _ in base_columns(con, t)]
    present = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ?",
            [t.db, t.schema, t.name],
        ).fetchall()
    }
    select = ", ".join(c for c in columns if c in present)
    dataset = t.name if t.schema == "core" else "_migrated"
    n = append(con, t, dataset, stamp, f"SELECT {select} FROM {old}", refresh=False)
    if t.resolved and {"resolved_at", "resolved_by_run", "resolved_on"} <= present:
        con.execute(
            f"INSERT INTO {t.db}.{t.resolutions} SELECT DISTINCT run_id, source_file, "
            f"row_number, resolved_at, resolved_by_run, resolved_on FROM {old} "
            "WHERE resolved_at IS NOT NULL"
        )
    con.execute(f"DROP TABLE {old}")
    log.warning("moved %d rows of the table %s into the segment store", n, old)


def base_columns(con: duckdb.DuckDBPyConnection, t: StoredTable) -> list[tuple[str, str, str]]:
    """(name, type, comment) of the columns of `t`'s view, in order: for a core view, from
    its dataset's description; otherwise from its empty base table."""
    if t.db == "wh":
        if t.name in DATASETS:
            return core_columns(DATASETS[t.name])
        # A view of a dataset no longer described: keep the columns it has.
        schema, table = t.schema, t.name
    else:
        schema, table = t.base.split(".")
    return con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [t.db, schema, table],
    ).fetchall()


def _table_comment(con: duckdb.DuckDBPyConnection, t: StoredTable) -> str | None:
    if t.db == "wh" and t.name in DATASETS:
        return core_description(DATASETS[t.name])
    schema, table = t.base.split(".") if t.db != "wh" else (t.schema, t.name)
    row = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? UNION ALL SELECT comment FROM duckdb_views() "
        "WHERE database_name = ? AND schema_name = ? AND view_name = ?",
        [t.db, schema, table, t.db, schema, table],
    ).fetchone()
    return row[0] if row else None


def _empty_source(con: duckdb.DuckDBPyConnection, t: StoredTable, catalog: str = "") -> str:
    """The empty typed rows the view's union starts from: for a core view a typed
    `SELECT ... WHERE false` (no table in the analysts' file), else its base table."""
    if t.db != "wh":
        return f"FROM {catalog}{t.base}"
    typed = ", ".join(f"CAST(NULL AS {typ}) AS {c}" for c, typ, _ in base_columns(con, t))
    return f"SELECT {typed} WHERE false"


def _has_table(con: duckdb.DuckDBPyConnection, db: str, qualified: str) -> bool:
    """Whether `db` holds the table `schema.name`."""
    schema, table = qualified.split(".")
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?",
        [db, schema, table],
    ).fetchone()
    return bool(row and row[0])


def _drop_legacy_base(con: duckdb.DuckDBPyConnection, t: StoredTable) -> None:
    """A warehouse published before the core views typed themselves has an empty base table
    `store.core__<dataset>` in the analysts' listing: rows it holds (none, normally) become
    a segment, then it goes."""
    if not _has_table(con, t.db, t.base):
        return
    schema, table = t.base.split(".")
    present = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
            "AND schema_name = ? AND table_name = ?",
            [t.db, schema, table],
        ).fetchall()
    }
    select = ", ".join(c for c, _, _ in base_columns(con, t) if c in present)
    stamp = f"base-{datetime.now():%Y%m%d%H%M%S}"
    n = append(con, t, t.name, stamp, f"SELECT {select} FROM {t.db}.{t.base}", refresh=False)
    con.execute(f"DROP TABLE {t.db}.{t.base}")
    if n:
        log.warning("moved %d rows of the base table %s.%s into a segment", n, t.db, t.base)


def _drop_legacy_tombstones(con: duckdb.DuckDBPyConnection, t: StoredTable) -> None:
    """A warehouse published before tombstones were segments has a tombstone table
    `store.core__<dataset>__deleted` in the analysts' listing: its rows become a tombstone
    segment, then it goes."""
    if not _has_table(con, t.db, t.deleted):
        return
    stamp = f"migrated-{datetime.now():%Y%m%d%H%M%S}"
    columns = ", ".join(t.tombstone)
    n = append(
        con,
        t,
        t.name,
        stamp,
        f"SELECT DISTINCT {columns} FROM {t.db}.{t.deleted}",
        refresh=False,
        kind=DELETED,
    )
    con.execute(f"DROP TABLE {t.db}.{t.deleted}")
    log.info("moved %d tombstones of %s.%s into a segment", n, t.db, t.deleted)


def _column_type(con: duckdb.DuckDBPyConnection, t: StoredTable, column: str) -> str:
    types = {c: typ for c, typ, _ in base_columns(con, t)}
    if column not in types:
        raise RuntimeError(f"{t.db}.{t.base} has no column {column}")
    return types[column]


def live_segments(
    con: duckdb.DuckDBPyConnection, t: StoredTable, kind: str = ROWS, dataset: str | None = None
) -> list[str]:
    """Paths, relative to the store, of the segments of `kind` the view of `t` reads (of
    `dataset` only, if given)."""
    return [
        p
        for (p,) in con.execute(
            f"SELECT path FROM {t.db}.meta.segments WHERE table_name = ? AND retired_at IS NULL "
            "AND kind = ? AND (? IS NULL OR dataset = ?) ORDER BY path",
            [t.table_name, kind, dataset, dataset],
        ).fetchall()
    ]


def _tombstones(
    con: duckdb.DuckDBPyConnection,
    t: StoredTable,
    paths: list[str] | None,
    *,
    guard: bool = True,
    catalog: str = "",
) -> str:
    """What the view anti-joins: its tombstone table, or the tombstone segments `paths`
    (read through the same folder expression and guard as its rows; '' for none)."""
    if not t.tombstone_segments:
        return f"{catalog}{t.deleted}"
    if not paths:
        return ""
    listed = segment_list(con, t.db, paths)
    columns = ", ".join(t.tombstone)
    where = f" WHERE {moved_guard(con, t.db)}" if guard else ""
    return f"(SELECT {columns} FROM read_parquet({listed}){where})"


def _minus_tombstones(t: StoredTable, tombstones: str) -> str:
    if not tombstones:
        return ""
    match = " AND ".join(f"d.{c} = u.{c}" for c in t.tombstone)
    return f" ANTI JOIN {tombstones} AS d ON {match}"


def refresh_view(con: duckdb.DuckDBPyConnection, t: StoredTable) -> None:
    """(Re)create the view of `t` over its empty typed source and live segments, with its
    comments (COMMENT ON does not survive CREATE OR REPLACE)."""
    columns = base_columns(con, t)
    rows, dead = live_segments(con, t), live_segments(con, t, DELETED)
    con.execute(f"CREATE OR REPLACE VIEW {t.db}.{t.table_name} AS {_view(con, t, rows, dead)}")
    # The same rows without the guard (the night's own connection knows where its stores
    # are): filters and join filters then reach the Parquet scans, which skip the row
    # groups whose statistics exclude them (issue 18, history that never slows the night).
    night = _view(con, t, rows, dead, guard=False, catalog=f"{t.db}.")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {night_view(t)} AS {night}")
    comment = _table_comment(con, t)
    if comment:
        con.execute(f"COMMENT ON VIEW {t.db}.{t.table_name} IS {sqlfiles.literal(comment)}")
    for c, _, text in columns:
        if text:
            con.execute(f"COMMENT ON COLUMN {t.db}.{t.table_name}.{c} IS {sqlfiles.literal(text)}")


# The variable a reader sets to the data folder a copy of the files is in now (per file).
FOLDER_VARIABLES = {"wh": "vnhealth_data", "rs": "vnhealth_restricted_data"}


def segment_list(con: duckdb.DuckDBPyConnection, db: str, paths: list[str]) -> str:
    """The SQL list of the segments `paths` (relative to the store of `db`), each under the
    data folder the reader names in its variable, else the folder the store is in now."""
    root = store_root(con, db)
    folder = f"coalesce(getvariable({sqlfiles.literal(FOLDER_VARIABLES[_db(db)])}), "
    folder += f"{sqlfiles.literal(root.parent.as_posix())})"
    return (
        "[" + ", ".join(f"{folder} || {sqlfiles.literal(f'/{root.name}/{p}')}" for p in paths) + "]"
    )


def moved_guard(con: duckdb.DuckDBPyConnection, db: str) -> str:
    """A condition that fails, with what to do, when the file was opened from outside the
    data folder its views name and the reader did not say where the folder is now. The
    message names the folder to set: that of the file the reader opened (a file named as the
    published one; a snapshot's data folder is the one above `snapshots/`)."""
    root = store_root(con, db)
    variable = FOLDER_VARIABLES[_db(db)]
    folder = root.parent.as_posix()
    stem = root.name.removesuffix(".segments")
    option = "--restricted" if db == "rs" else "--warehouse"
    here = (
        "(SELECT coalesce(min(regexp_replace(path, '/(snapshots/)?[^/]*$', '')), "
        f"'<thư mục dữ liệu hiện nay / the data folder it is in now>') FROM duckdb_databases() "
        f"WHERE path LIKE {sqlfiles.literal('%/' + stem + '.duckdb')} "
        "OR path LIKE '%/snapshots/%.duckdb')"
    )
    vi = (
        f"Tệp này đã được sao chép hoặc chuyển khỏi thư mục {folder}, nên các view của tệp "
        "chưa biết thư mục dữ liệu hiện nay. Chạy một lần trong phiên làm việc rồi truy vấn "
        f"lại: SET VARIABLE {variable} = '"
    )
    en = (
        f"'; | This file was copied or moved from {folder}, so its views do not know "
        f"where the data folder is now. Run once in the session, then query again: "
        f"SET VARIABLE {variable} = '"
    )
    tail = (
        "'; (Python: con.execute(\"SET VARIABLE "
        f'{variable} = ?", [folder]); DuckDB CLI: duckdb -readonly -cmd "SET VARIABLE '
        f"{variable} = '<folder>'\" <folder>/{stem}.duckdb; DBeaver: bootstrap query). Or, "
        f"where vnhealth is installed, once for the folder: vnhealth relink {option} "
        f"<folder>/{stem}.duckdb. See docs/analysts.md."
    )
    message = (
        f"{sqlfiles.literal(vi)} || {here} || {sqlfiles.literal(en)} || {here} || "
        f"{sqlfiles.literal(tail)}"
    )
    return (
        f"CASE WHEN getvariable({sqlfiles.literal(variable)}) IS NOT NULL OR EXISTS (SELECT 1 "
        f"FROM duckdb_databases() WHERE starts_with(path, {sqlfiles.literal(folder + '/')})) "
        f"THEN true ELSE error({message}) END"
    )


def _source(
    con: duckdb.DuckDBPyConnection,
    t: StoredTable,
    paths: list[str],
    catalog: str = "",
    *,
    guard: bool = True,
) -> str:
    """The empty typed source and the segments `paths` (relative to the store), by column
    name."""
    source = _empty_source(con, t, catalog)
    if paths:
        listed = segment_list(con, t.db, paths)
        source += f" UNION ALL BY NAME FROM read_parquet({listed}, union_by_name = true)"
        if guard:
            source += f" WHERE {moved_guard(con, t.db)}"
    return source


def _view(
    con: duckdb.DuckDBPyConnection,
    t: StoredTable,
    rows: list[str],
    dead: list[str],
    *,
    guard: bool = True,
    catalog: str = "",
) -> str:
    """The query of `t`'s view over the segments `rows` minus the tombstones (segments
    `dead`, or its tombstone table), with its resolutions if it has any. `catalog` qualifies
    the tables it names (a view in another catalog than `t`'s)."""
    columns = base_columns(con, t)
    sql = f"SELECT {', '.join(f'CAST(u.{c} AS {typ}) AS {c}' for c, typ, _ in columns)}"
    joins = f"FROM ({_source(con, t, rows, catalog, guard=guard)}) AS u"
    joins += _minus_tombstones(t, _tombstones(con, t, dead, guard=guard, catalog=catalog))
    if t.resolved:
        sql += ", " + ", ".join(f"r.{c}" for c, _ in RESOLUTION_COLUMNS)
        joins += (
            f" LEFT JOIN {catalog}{t.resolutions} AS r ON r.run_id = u.run_id "
            "AND r.source_file = u.source_file AND r.row_number = u.row_number"
        )
    return f"{sql} {joins}"


# The Parquet writer holds a row group's columns in memory until it is flushed, and that
# buffer cannot spill: at DuckDB's 122,880 rows a row group of wide rows (raw rows and
# quarantined rows, ~670 B of JSON each) asked for 78.5 MiB at once and a national night of
# 8M visit rows failed there (the quarantine segment of visit_drugs, connection at 384MB).
# A row group is closed at this size or at 122,880 rows, whichever comes first: narrow
# tables keep their row groups, wide ones get smaller ones.
ROW_GROUP_BYTES = "16MB"


def night_view(t: StoredTable) -> str:
    """The night's own view of `t`: a temporary view of the connection that refreshed `t`,
    with the same rows as `t`'s view but read without its guard (see `refresh_view`), so
    that a filter on it, or a join of it with tonight's few keys, reads only the row groups
    of the segments that can hold them. SQL files name it `seg_core__<dataset>`,
    `seg_raw__rows` or `seg_quarantine__rows`."""
    return f"seg_{t.schema}__{t.name}"


def append(
    con: duckdb.DuckDBPyConnection,
    t: StoredTable,
    dataset: str,
    run_id: str,
    query: str,
    params: dict[str, Any] | None = None,
    *,
    refresh: bool = True,
    suffix: str = "",
    kind: str = ROWS,
) -> int:
    """Write the rows of `query` (columns named as the base table's; for `kind` DELETED, its
    tombstone columns) as a new segment of `t`, record it in the manifest and refresh the
    view. Writes nothing for zero rows. Returns the number of rows."""
    rel = t.segment_path(dataset, run_id, suffix, kind)
    path = store_root(con, t.db) / rel
    if path.exists():
        raise RuntimeError(f"segment {path} exists already: segments are never rewritten")
    protection = store_protection(con, t.db)
    make_dirs(path.parent, protection)
    rows: int = sqlfiles.scalar(
        con,
        f"COPY ({query}) TO {sqlfiles.literal(path)} "
        f"(FORMAT parquet, ROW_GROUP_SIZE_BYTES '{ROW_GROUP_BYTES}')",
        params or None,
    )
    if rows == 0:
        path.unlink(missing_ok=True)
        return 0
    apply(path, protection)
    _fsync(path)
    _fsync(path.parent)
    con.execute(
        f"INSERT INTO {t.db}.meta.segments (table_name, dataset, run_id, path, rows, bytes, "
        "written_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [t.table_name, dataset, run_id, rel, rows, path.stat().st_size, datetime.now(), kind],
    )
    if refresh:
        refresh_view(con, t)
    return rows


def adopt(
    con: duckdb.DuckDBPyConnection,
    t: StoredTable,
    dataset: str,
    run_id: str,
    files: list[tuple[str, int]],
    *,
    refresh: bool = True,
) -> int:
    """Make Parquet files written elsewhere (by a staging task, with the base table's
    columns) segments of `t` as they are: each is moved into the store (copied when it is on
    another file system), made durable and recorded in the manifest, and the view refreshed.
    `files` are (path, rows); zero-row files are skipped. `refresh=False` leaves the view as
    it was until `refresh_stale` (a view of every dataset's segments that nothing reads
    before the night ends costs one refresh, not one per dataset). Returns the number of
    rows."""
    root = store_root(con, t.db)
    protection = store_protection(con, t.db)
    total = 0
    for i, (source, rows) in enumerate(files, start=1):
        if not rows:
            continue
        rel = t.segment_path(dataset, run_id, f"-{i:04d}")
        path = root / rel
        if path.exists():
            raise RuntimeError(f"segment {path} exists already: segments are never rewritten")
        make_dirs(path.parent, protection)
        try:
            os.replace(source, path)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            shutil.copyfile(source, path)
            os.unlink(source)
        apply(path, protection)
        _fsync(path)
        con.execute(
            f"INSERT INTO {t.db}.meta.segments (table_name, dataset, run_id, path, rows, "
            "bytes, written_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [t.table_name, dataset, run_id, rel, rows, path.stat().st_size, datetime.now()],
        )
        total += rows
    if total:
        _fsync(path.parent)
        if refresh:
            refresh_view(con, t)
        else:
            con.execute("INSERT INTO stg_stale_views VALUES (?)", [t.table_name])
    return total


def defer_refresh(con: duckdb.DuckDBPyConnection, t: StoredTable, run_id: str) -> None:
    """Leave the view of `t` (and its night view) as it is until `refresh_stale`, after
    segments were written with `refresh=False`; the segments `run_id` wrote are read, until
    then, through the night view `<night_view(t)>__tonight` (a view of every dataset's
    segments costs a bind of each live segment to refresh: once a night, not once per
    dataset)."""
    con.execute("INSERT INTO stg_stale_views VALUES (?)", [t.table_name])
    _tonight_view(con, t, run_id)


def ensure_tonight(con: duckdb.DuckDBPyConnection, t: StoredTable, run_id: str) -> None:
    """The night view `<night_view(t)>__tonight`, if no dataset made it yet tonight: a rule
    of the night's first dataset may read it (a claims line's visit in a run of the line
    datasets alone: no visit was quarantined tonight)."""
    name = f"{night_view(t)}__tonight"
    if not con.execute(
        "SELECT 1 FROM duckdb_views() WHERE temporary AND view_name = ?", [name]
    ).fetchall():
        _tonight_view(con, t, run_id)


def _tonight_view(con: duckdb.DuckDBPyConnection, t: StoredTable, run_id: str) -> None:
    tonight = [
        p
        for (p,) in con.execute(
            f"SELECT path FROM {t.db}.meta.segments WHERE table_name = ? AND run_id = ? "
            "AND retired_at IS NULL AND kind = ? ORDER BY path",
            [t.table_name, run_id, ROWS],
        ).fetchall()
    ]
    dead = live_segments(con, t, DELETED) if t.tombstone_segments else []
    query = _view(con, t, tonight, dead, guard=False, catalog=f"{t.db}.")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {night_view(t)}__tonight AS {query}")


def refresh_stale(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Refresh the views whose new segments were adopted with `refresh=False` (call it
    before the files are published). Returns their names."""
    stale = [
        name
        for (name,) in con.execute(
            "SELECT DISTINCT table_name FROM stg_stale_views ORDER BY table_name"
        ).fetchall()
    ]
    for name in stale:
        refresh_view(con, stored_table(name))
    con.execute("DELETE FROM stg_stale_views")
    return stale


def compact(
    con: duckdb.DuckDBPyConnection,
    t: StoredTable,
    dataset: str,
    run_id: str,
    paths: list[str] | None = None,
    suffix: str = "",
    *,
    refresh: bool = True,
) -> dict[str, str | int]:
    """Rewrite the live rows of `dataset`'s segments of `t` (all of them, or those at
    `paths`) into one new segment (named by `run_id` and `suffix`), retire the old segments
    (the view stops reading them; their files stay until `purge_retired`, since an analyst's
    session opened before may still read them) and drop the tombstones that only concerned
    them. `refresh=False` leaves the view to the caller (`refresh_view`). Returns what it
    did."""
    old = paths or live_segments(con, t, ROWS, dataset)
    if not old:
        return {"table": t.table_name, "dataset": dataset, "retired": 0, "rows": 0}
    columns = ", ".join(f"CAST(u.{c} AS {typ}) AS {c}" for c, typ, _ in base_columns(con, t))
    match = " AND ".join(f"d.{c} = u.{c}" for c in t.tombstone)
    source = _source(con, t, old, catalog=f"{t.db}.")
    dead = live_segments(con, t, DELETED, dataset) if t.tombstone_segments else []
    tombstones = _tombstones(con, t, dead)
    if tombstones and not t.tombstone_segments:
        tombstones = f"{t.db}.{tombstones}"
    rows = append(
        con,
        t,
        dataset,
        run_id,
        f"SELECT {columns} FROM ({source}) AS u{_minus_tombstones(t, tombstones)}",
        refresh=False,
        suffix=suffix,
    )
    now = datetime.now()
    con.execute(
        f"UPDATE {t.db}.meta.segments SET retired_at = ? WHERE table_name = ? "
        "AND list_contains(?, path)",
        [now, t.table_name, old],
    )
    if not t.tombstone_segments:
        deleted: int = sqlfiles.scalar(
            con,
            f"DELETE FROM {t.db}.{t.deleted} AS d WHERE EXISTS (SELECT 1 FROM ({source}) AS u "
            f"WHERE {match})",
        )
    else:
        deleted = _fold_tombstones(con, t, dataset, run_id, suffix, source, dead, now)
    if refresh:
        refresh_view(con, t)
    return {
        "table": t.table_name,
        "dataset": dataset,
        "retired": len(old),
        "rows": rows,
        "tombstones_cleared": deleted,
    }


def _fold_tombstones(
    con: duckdb.DuckDBPyConnection,
    t: StoredTable,
    dataset: str,
    run_id: str,
    suffix: str,
    source: str,
    dead: list[str],
    retired_at: datetime,
) -> int:
    """After a merge of the rows `source`: the tombstones of `dead` that hit a merged row
    have done their work (the merged segment lacks the row). If there are any, the segments
    `dead` are retired and the others written as one tombstone segment. Returns how many
    went."""
    if not dead:
        return 0
    columns = ", ".join(t.tombstone)
    match = " AND ".join(f"d.{c} = u.{c}" for c in t.tombstone)
    kept = (
        f"SELECT DISTINCT {columns} FROM {_tombstones(con, t, dead)} AS d "
        f"WHERE NOT EXISTS (SELECT 1 FROM ({source}) AS u WHERE {match})"
    )
    ((total,),) = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT {columns} FROM {_tombstones(con, t, dead)})"
    ).fetchall()
    ((remaining,),) = con.execute(f"SELECT count(*) FROM ({kept})").fetchall()
    if remaining == total:
        return 0
    append(con, t, dataset, run_id, kept, refresh=False, suffix=suffix, kind=DELETED)
    con.execute(
        f"UPDATE {t.db}.meta.segments SET retired_at = ? WHERE table_name = ? "
        "AND list_contains(?, path)",
        [retired_at, t.table_name, dead],
    )
    return int(total) - int(remaining)


_LEVEL = re.compile(r"-L(\d+)-\d+\.parquet$")


def level(path: str) -> int | None:
    """The merge level of a segment: 0 for a night's own, n for one that `merge_tiers`
    merged from level n - 1, None for one written by a full compaction or a migration
    (it is never merged again by a night)."""
    name = path.rsplit("/", 1)[-1]
    if name.startswith(("compact-", "migrated-")):
        return None
    m = _LEVEL.search(name)
    return int(m.group(1)) if m else 0


def _top_level(segs: list[tuple[str, int]]) -> int:
    levels = [level(p) for p, _ in segs]
    return max((lv for lv in levels if lv is not None), default=-1)


def stored_table(table_name: str) -> StoredTable:
    """The stored table of a manifest's `table_name` (`core.<dataset>`, `raw.rows`, ...)."""
    if table_name == RAW.table_name:
        return RAW
    if table_name == QUARANTINE.table_name:
        return QUARANTINE
    schema, name = table_name.split(".")
    if schema != "core":
        raise ValueError(f"not a stored table: {table_name}")
    return core(name)


def merge_tiers(
    con: duckdb.DuckDBPyConnection, run_id: str, fanout: int, max_rows: int
) -> list[dict[str, str | int]]:
    """Keep the number of segments a view reads small whatever the history, at a cost per
    night that does not grow with it (size-tiered merging): wherever a table's dataset has
    `fanout` live segments of the same level, the oldest `fanout` are merged into one
    segment of the next level (`<run_id>-L<level>-<n>.parquet`), as `compact` does
    (tombstones applied and cleared).
    A night's segments are level 0, so a dataset keeps fewer than `fanout` segments per
    level and about log_fanout(nights) levels, and a row is rewritten once per level.
    Segments of `max_rows` rows or more are left alone (their files are large enough that
    reading one more costs little, and merging them would make a night's cost jump).
    `fanout` < 2 merges nothing. Returns what each merge did."""
    done: list[dict[str, str | int]] = []
    if fanout < 2:
        return done
    installed = {db for (db,) in con.execute("SELECT db FROM stg_stores").fetchall()}
    for db in (d for d in DATABASES if d in installed):
        live = con.execute(
            f"SELECT table_name, dataset, path, rows FROM {db}.meta.segments "
            "WHERE retired_at IS NULL AND kind = ? ORDER BY table_name, dataset, path",
            [ROWS],
        ).fetchall()
        groups: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for table_name, dataset, path, rows in live:
            groups.setdefault((table_name, dataset), []).append((path, rows))
        for (table_name, dataset), segs in groups.items():
            t = stored_table(table_name)
            lv = 0
            while lv <= _top_level(segs):
                at = [p for p, n in segs if level(p) == lv and n < max_rows]
                # Oldest first (a path starts with its run id, which starts with the night).
                for i in range(0, len(at) - fanout + 1, fanout):
                    group = at[i : i + fanout]
                    suffix = f"-L{lv + 1}-{len(done) + 1:04d}"
                    result = compact(
                        con, t, dataset, run_id, paths=group, suffix=suffix, refresh=False
                    )
                    done.append(result)
                    segs = [(p, n) for p, n in segs if p not in group]
                    if result["rows"]:
                        segs.append((t.segment_path(dataset, run_id, suffix), int(result["rows"])))
                lv += 1
    # Once per table at the end: a refresh rebinds every live segment of the view.
    for table_name in sorted({str(d["table"]) for d in done}):
        refresh_view(con, stored_table(table_name))
    if done:
        log.info("merged %d groups of segments", len(done))
    return done


def purge_retired(
    con: duckdb.DuckDBPyConnection,
    db: str,
    retired_before: datetime,
    keep: frozenset[str] = frozenset(),
) -> int:
    """Delete the files of segments retired before `retired_before`, and their manifest rows,
    except the segments in `keep` (paths relative to the store: those a kept snapshot of a
    published night still reads; their manifest rows stay, so a later purge finds them)."""
    root = store_root(con, db)
    gone = con.execute(
        f"SELECT path FROM {_db(db)}.meta.segments WHERE retired_at < ? "
        "AND NOT list_contains(?, path)",
        [retired_before, sorted(keep)],
    ).fetchall()
    for (path,) in gone:
        (root / path).unlink(missing_ok=True)
    con.execute(
        f"DELETE FROM {db}.meta.segments WHERE retired_at < ? AND NOT list_contains(?, path)",
        [retired_before, sorted(keep)],
    )
    return len(gone)


def remove_orphans(con: duckdb.DuckDBPyConnection, db: str, older_than: datetime) -> list[Path]:
    """Delete the segment files of `db`'s store that its manifest does not name and that were
    written before `older_than` (left by a run that died before publishing). Call it under
    the warehouse lock, on a connection whose `db` is still the published file."""
    root = store_root(con, db)
    known = {p for (p,) in con.execute(f"SELECT path FROM {_db(db)}.meta.segments").fetchall()}
    cutoff = older_than.timestamp()
    removed = []
    for path in root.rglob("*.parquet"):
        rel = path.relative_to(root).as_posix()
        if rel not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.warning("removed %d orphan segments from %s", len(removed), root)
    return removed


def _db(db: str) -> str:
    if db not in DATABASES:
        raise ValueError(f"unknown database {db!r}")
    return db


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def relink(database_file: Path, db: str) -> int:
    """Make the views of a DuckDB file copied or moved with its store (`<stem>.segments`
    beside it) read that store where it is now, with nothing for its readers to set: every
    view of `db`'s tables (`wh`: core, `rs`: raw and quarantine) is created again, in a copy
    renamed over the file (a reader never sees it half done). For a whole data folder moved
    for good, or a copy of it taken elsewhere; call it under the warehouse lock. Returns the
    number of views."""
    db = _db(db)
    aside = database_file.with_name(f".relink-{database_file.name}")
    # The file keeps its mode, owner and group (an administrator's chmod included).
    protection = kept(database_file, RESTRICTED if db == "rs" else ANALYSTS)
    shutil.copyfile(database_file, aside)
    apply(aside, protection)
    con = duckdb.connect()
    try:
        storage.attach(con, aside, db)
        install_stores(con, {db: (store_folder(database_file), protection)})
        if db == "wh":
            tables = [
                core(name)
                for (name,) in con.execute(
                    "SELECT view_name FROM duckdb_views() WHERE database_name = 'wh' "
                    "AND schema_name = 'core'"
                ).fetchall()
            ]
        else:
            tables = [RAW, QUARANTINE]
        for t in tables:
            if db == "wh":
                _drop_legacy_base(con, t)
            refresh_view(con, t)
        con.execute(f"CHECKPOINT {db}")
        con.execute(f"DETACH {db}")
        con.close()
        os.replace(aside, database_file)
    finally:
        con.close()
        aside.unlink(missing_ok=True)
    return len(tables)
