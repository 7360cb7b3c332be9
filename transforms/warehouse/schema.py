"""DuckDB shapes of a dataset: its scratch stage table (the columns of staged rows are
`transforms.ingest.columns`), the columns, types and descriptions of its core view
(`transforms.warehouse.segments` builds the view, with them as COMMENT ON),
its key as a list of identifiers, and the stage-to-core select that pseudonymises personal
columns. Every identifier comes from the registry and passes `ident`."""

from __future__ import annotations

from transforms import sqlfiles
from transforms.ingest.columns import STAGE_META, STAGE_TYPES, stage_columns
from transforms.sqlfiles import ident
from validations.model import Column, Dataset
from validations.registry import DATASETS

CORE_TYPES = {**STAGE_TYPES, "money": "DECIMAL(18, 2)"}
META_COLUMNS = (
    ("_source_file", "VARCHAR", "Landing file the row came from, relative to the landing root"),
    ("_source_row", "BIGINT", "Row of the landing file (1 = first data row)"),
    ("_run_id", "VARCHAR", "Run that loaded this version of the record"),
    ("_loaded_at", "TIMESTAMP", "When that run loaded it"),
    ("_warnings", "VARCHAR[]", "Rule ids that warned on the row (empty if none)"),
)


def _name(ds: Dataset, column: str) -> str:
    return ident(column, ds.column_names)


def _table(ds: Dataset) -> str:
    return ident(ds.id, DATASETS)


def stage_table_sql(ds: Dataset) -> str:
    """The scratch table of a dataset's staged rows: temporary (held in memory, spilled to
    the temp directory beyond the memory limit), since nothing keeps it past the night."""
    cols = ", ".join(
        f"{name} {typ}" + (" NOT NULL" if name in STAGE_META else "")
        for name, typ in stage_columns(ds)
    )
    return f"CREATE TEMP TABLE IF NOT EXISTS stg_{_table(ds)} ({cols})"


def core_columns(ds: Dataset) -> list[tuple[str, str, str]]:
    """(name, type, description) of every column of the view `core.<dataset>`, in order: the
    description's columns, then the load's own (`META_COLUMNS`). The view carries them
    itself (`transforms.warehouse.segments`): no base table holds them."""
    cols = [(_name(ds, c.name), CORE_TYPES.get(c.type, "VARCHAR"), _comment(c)) for c in ds.columns]
    return [*cols, *META_COLUMNS]


def core_description(ds: Dataset) -> str:
    """The comment of the view `core.<dataset>`."""
    return f"{ds.description_en} / {ds.description_vi}"


def core_table_sql(ds: Dataset) -> list[str]:
    """What the view `core.<dataset>` needs in the file besides itself: the `store` schema of
    its tombstone table (see `transforms.warehouse.segments`)."""
    _table(ds)
    return ["CREATE SCHEMA IF NOT EXISTS wh.store"]


def _comment(col: Column) -> str:
    """The description, then the Vietnamese headers it does not already name."""
    headers = [h for h in col.vi if h not in col.description]
    return col.description + (f" ({', '.join(headers)})" if headers else "")


def pseudonym_sql(expr: str) -> str:
    """HMAC-SHA256 of a value, hex, keyed by the run's key in `stg_key` (aliased `k`)."""
    return f"sha256(k.opad || unhex(sha256(k.ipad || encode({expr}))))"


def select_core_columns(ds: Dataset, alias: str = "t") -> str:
    """Stage-to-core expressions, each named as its column: personal ids pseudonymised,
    withheld columns NULL, each cast to its core type.

    The one SQL expression built in Python, from `ident`-checked names only: DuckDB's star
    expressions cannot say it. `COLUMNS($list)` refuses an empty list ("resulted in an
    empty set of columns") and most datasets have no personal, withheld or money column,
    and `* REPLACE (...)` takes no star expression."""
    alias = ident(alias, ("t", "s", "c"))
    out = []
    for col in ds.columns:
        name = _name(ds, col.name)
        ref = f"{alias}.{name}"
        typ = CORE_TYPES.get(col.type, "VARCHAR")
        if col.pii == "pseudonymise":
            expr = f"CASE WHEN {ref} IS NULL THEN NULL ELSE {pseudonym_sql(ref)} END"
        elif col.pii == "withhold":
            expr = f"NULL::{typ}"
        else:
            expr = f"{ref}::{typ}"
        out.append(f"{expr} AS {name}")
    return ", ".join(out)


def key_columns(ds: Dataset) -> list[str]:
    """The dataset's key columns (checked names). Core holds personal ids pseudonymised and
    the stage holds them raw, so a key that is personal data could not match: refused."""
    if any(ds.column(k).pii for k in ds.key):
        raise ValueError(f"{ds.id}: a key column is personal data; key on a pseudonym instead")
    return [_name(ds, k) for k in ds.key]


def key_list(ds: Dataset) -> str:
    """The key columns as a template argument: `PARTITION BY {key}`, `USING ({key})`,
    `concat_ws('|', {key})` (the record key as text)."""
    return sqlfiles.ident_list(key_columns(ds), ds.column_names)
