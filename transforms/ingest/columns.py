"""The columns of a dataset's staged rows: what a staging task writes to Parquet and what
the night loads into its scratch table `stg_<dataset>`."""

from __future__ import annotations

import pyarrow as pa

from transforms.sqlfiles import ident
from validations.model import Dataset

STAGE_TYPES = {
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "money": "DOUBLE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
}
# The same types in Arrow, for the Parquet files a staging task writes.
ARROW_TYPES = {
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "VARCHAR": pa.string(),
}
# A stage row's columns besides the dataset's: its file, its row in the file (1 = first data
# row) and how many required cells were given.
STAGE_META = ("_file_id", "_row", "_required_filled")
_STAGE_META_TYPES = ("INTEGER", "BIGINT", "INTEGER")


def stage_columns(ds: Dataset) -> list[tuple[str, str]]:
    """(name, DuckDB type) of `stg_<dataset>`: the dataset's columns, then STAGE_META."""
    return [
        *((ident(c.name, ds.column_names), STAGE_TYPES.get(c.type, "VARCHAR")) for c in ds.columns),
        *zip(STAGE_META, _STAGE_META_TYPES, strict=True),
    ]


def stage_arrow_schema(ds: Dataset) -> pa.Schema:
    """The schema of a staging task's rows file: the columns of `stg_<dataset>`."""
    return pa.schema(
        [
            pa.field(name, ARROW_TYPES[typ], nullable=name not in STAGE_META)
            for name, typ in stage_columns(ds)
        ]
    )
