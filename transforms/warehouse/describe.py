"""A warehouse that explains itself: the reference tables (`ref.*`) and the descriptions
(`COMMENT ON`) of every table and column of `meta`, `dq`, `progress` and `ref`.

The descriptions are package data (`descriptions/warehouse.csv`: schema, table, column
(empty for the table itself), Vietnamese, English), written as "Vietnamese | English".
They are applied at the end of every night, after the tables are filled, since a table
created again loses its comments; a description whose table or column does not exist is
logged and skipped, a column with no description is logged (a test keeps the file complete).
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import duckdb
import pandas as pd

from transforms import sqlfiles
from transforms.reference import Reference
from validations.databases import DATABASES
from validations.registry import DATASETS

SQL = sqlfiles.SqlFolder(__package__)

log = logging.getLogger(__name__)

# What the tombstone tables of `store` (segments.py) say.
INTERNAL = (
    "Nội bộ: sổ sách của các view core.*, không dùng để phân tích "
    "| Internal bookkeeping of the core.* views: not for analysis"
)

# The schemas whose every table and column carries a description.
DESCRIBED_SCHEMAS = ("meta", "dq", "progress", "ref")


@dataclass(frozen=True)
class Description:
    schema: str
    table: str
    column: str  # "" for the table itself
    vi: str
    en: str

    @property
    def text(self) -> str:
        return f"{self.vi} | {self.en}"


@cache
def descriptions() -> tuple[Description, ...]:
    """The rows of `descriptions/warehouse.csv`."""
    raw = resources.files(__package__).joinpath("descriptions", "warehouse.csv").read_bytes()
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""))
    return tuple(
        Description(r["schema"], r["table"], r["column"], r["vi"], r["en"]) for r in reader
    )


def without_diacritics(name: str) -> str:
    """`Phường Hoàn Kiếm` -> `Phuong Hoan Kiem` (the names' English spelling)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def write_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """(Re)build `ref.provinces`, `ref.communes`, `ref.databases`, `ref.datasets` from the code
    lists and the registry, and `ref.rules` from `dq.rules` (fill that first)."""
    frames = {
        "ref_provinces": pd.DataFrame(
            [(c, n, without_diacritics(n)) for c, n in ref.provinces.items()],
            columns=["province_code", "name_vi", "name_en"],
        ),
        "ref_communes": pd.DataFrame(
            [(c, n, without_diacritics(n), p) for c, (n, p) in ref.communes.items()],
            columns=["commune_code", "name_vi", "name_en", "province_code"],
        ),
        "ref_databases": pd.DataFrame(
            [(d.id, d.name_vi, d.name_en, d.counts_in_scorecard) for d in DATABASES],
            columns=["database_id", "name_vi", "name_en", "counts_in_scorecard"],
        ),
        "ref_datasets": pd.DataFrame(
            [
                (
                    ds.id,
                    ds.database_id,
                    ds.delivered_by,
                    ",".join(ds.key),
                    ds.description_vi,
                    ds.description_en,
                )
                for ds in DATASETS.values()
            ],
            columns=[
                "dataset",
                "database_id",
                "delivered_by",
                "record_key",
                "description_vi",
                "description_en",
            ],
        ),
    }
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        SQL.run(con, "ref_tables")
    finally:
        for name in frames:
            con.unregister(name)


def comment_all(con: duckdb.DuckDBPyConnection, db: str = "wh") -> list[str]:
    """COMMENT ON every table and column of `DESCRIBED_SCHEMAS` in `db` that has a description
    (only where it differs: the tables a night keeps keep their comments). Returns the
    columns (`schema.table.column`) that have none."""
    db = sqlfiles.ident(db, ("wh",))
    columns = {
        (s, t, c): text
        for s, t, c, text in con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = ? AND list_contains(?, schema_name)",
            [db, list(DESCRIBED_SCHEMAS)],
        ).fetchall()
    }
    tables = {
        (s, t): (kind, text)
        for s, t, kind, text in con.execute(
            "SELECT schema_name, table_name, 'TABLE', comment FROM duckdb_tables() "
            "WHERE database_name = ? UNION ALL SELECT schema_name, view_name, 'VIEW', comment "
            "FROM duckdb_views() WHERE database_name = ? AND NOT internal",
            [db, db],
        ).fetchall()
    }
    described = set()
    statements: list[str] = []
    for d in descriptions():
        name = f"{db}.{_ident(d.schema)}.{_ident(d.table)}"
        key = (d.schema, d.table, d.column)
        if not d.column and (d.schema, d.table) in tables:
            kind, text = tables[(d.schema, d.table)]
            if text != d.text:
                statements.append(f"COMMENT ON {kind} {name} IS {sqlfiles.literal(d.text)}")
        elif key in columns:
            if columns[key] != d.text:
                statements.append(
                    f"COMMENT ON COLUMN {name}.{sqlfiles.quoted(_ident(d.column))} IS "
                    f"{sqlfiles.literal(d.text)}"
                )
            described.add(key)
        else:
            log.warning("nothing to describe at %s", ".".join(x for x in key if x))
    for (s, t), (kind, text) in tables.items():
        # Not the typed bases: their comments are the views' (segments.refresh_view).
        if s == "store" and t.endswith(("__deleted", "__resolved")) and text != INTERNAL:
            statements.append(
                f"COMMENT ON {kind} {db}.store.{sqlfiles.quoted(t)} IS {sqlfiles.literal(INTERNAL)}"
            )
    _run_script(con, statements)
    missing = sorted(".".join(k) for k in columns.keys() - described)
    if missing:
        log.warning("columns without a description: %s", ", ".join(missing))
    return missing


def _run_script(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """The statements as one script in one transaction: on a new warehouse a few hundred
    COMMENT ON committed one by one cost about 1 s, together a tenth of that."""
    if not statements:
        return
    con.begin()
    try:
        con.execute(";\n".join(statements))
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _ident(name: str) -> str:
    """A name from the descriptions file: a plain lower-case identifier."""
    return sqlfiles.ident(name, [name])
