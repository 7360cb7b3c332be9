"""Stage one landing file: read it in batches, map and parse its columns, run the row rules,
and append rows and failures to the run's scratch tables. No Prefect here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from transforms.headers import map_headers
from transforms.landing import LandingFile
from transforms.messages import Reason
from transforms.parsing import parse_frame
from transforms.reading import FileRejected, read_batches
from transforms.reference import Reference
from transforms.warehouse_schema import stage_table_sql
from validations.model import Context, Dataset
from validations.schema import find_failures
from validations.standard import RAW_SUFFIX

log = logging.getLogger(__name__)


@dataclass
class StagedFile:
    file_id: int
    rows_in: int = 0
    notes: list[str] = field(default_factory=list)


def ensure_stage_table(con: duckdb.DuckDBPyConnection, ds: Dataset) -> None:
    con.execute(stage_table_sql(ds))


def stage_file(
    con: duckdb.DuckDBPyConnection,
    lf: LandingFile,
    ds: Dataset,
    ctx: Context,
    ref: Reference,
    file_id: int,
    *,
    batch_rows: int,
    max_bytes: int,
) -> StagedFile:
    """Append the file's rows to `stg_<dataset>` and its row-rule failures to `stg_failures`.

    Raises FileRejected (after removing anything it staged) when the file cannot be used.
    """
    staged = StagedFile(file_id)
    try:
        headers = None
        for raw in read_batches(lf.path, lf.ext or "", batch_rows=batch_rows, max_bytes=max_bytes):
            raw = raw.reset_index(drop=True)
            if headers is None:
                headers = map_headers([str(c) for c in raw.columns], ds)
                if headers.missing_required:
                    raise FileRejected(Reason.missing_columns(headers.missing_required))
                if headers.extras:
                    staged.notes.append(
                        "cột không có trong mô tả, giữ trong dòng gốc | columns not in the "
                        f"dataset, kept in the raw row: {', '.join(map(str, headers.extras))}"
                    )
            _stage_batch(con, raw, ds, ctx, ref, headers, file_id, staged.rows_in)
            staged.rows_in += len(raw)
        if staged.rows_in == 0:
            raise FileRejected(Reason.empty())
    except FileRejected:
        unstage_file(con, ds, file_id)
        raise
    return staged


def unstage_file(con: duckdb.DuckDBPyConnection, ds: Dataset, file_id: int) -> None:
    con.execute(f"DELETE FROM stg_{ds.id} WHERE _file_id = ?", [file_id])
    con.execute("DELETE FROM stg_failures WHERE dataset = ? AND _file_id = ?", [ds.id, file_id])


def _stage_batch(con, raw, ds, ctx, ref, headers, file_id, offset) -> None:
    typed = parse_frame(raw, ds, headers, ref)
    failures = find_failures(typed, ds, ctx)
    rows = pd.Series(range(offset + 1, offset + len(raw) + 1), index=raw.index)
    filled = sum(_given(typed, c).astype("int64") for c in ds.required_columns)
    stage = typed[list(ds.column_names)].assign(
        _file_id=file_id, _row=rows, _required_filled=filled
    )
    raw_json = raw.rename(columns=str)
    con.register("batch_typed", stage)
    con.register("batch_raw", raw_json)
    try:
        con.execute(
            f"INSERT INTO stg_{ds.id} BY NAME "
            "SELECT t.*, to_json(r) AS _raw FROM batch_typed AS t POSITIONAL JOIN batch_raw AS r"
        )
    finally:
        con.unregister("batch_typed")
        con.unregister("batch_raw")
    if len(failures):
        out = pd.DataFrame(
            {
                "dataset": ds.id,
                "_file_id": file_id,
                "_row": failures["row"].to_numpy() + offset + 1,
                "rule_id": failures["rule_id"].to_numpy(),
            }
        )
        con.register("batch_failures", out)
        try:
            con.execute("INSERT INTO stg_failures BY NAME SELECT * FROM batch_failures")
        finally:
            con.unregister("batch_failures")


def _given(typed: pd.DataFrame, column: str) -> pd.Series:
    """A required cell counts as filled when something was delivered in it."""
    raw = column + RAW_SUFFIX
    given = typed[column].notna()
    return given | typed[raw].notna() if raw in typed else given
