"""Stage landing files: read them in batches, map and parse their columns, run the row rules,
and append rows and failures to the run's scratch tables. No Prefect here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from transforms.headers import map_headers
from transforms.messages import Reason
from transforms.parsing import canonical_text, parse_frame
from transforms.readers.base import DEFAULT_MAX_COMPRESSION_RATIO, DEFAULT_MAX_EXPANDED_BYTES
from transforms.reading import FileRejected, read_batches
from transforms.reference import Reference
from transforms.text import fold
from transforms.warehouse_schema import stage_table_sql
from validations.model import Dataset
from validations.schema import RowValidator
from validations.standard import RAW_SUFFIX

log = logging.getLogger(__name__)


@dataclass
class StagedFile:
    file_id: int
    rows_in: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReadLimits:
    batch_rows: int
    max_bytes: int
    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO


def ensure_stage_table(con: duckdb.DuckDBPyConnection, ds: Dataset) -> None:
    con.execute(stage_table_sql(ds))


class DatasetStager:
    """Stages the night's files of one dataset into the scratch tables.

    Each file is read in batches and its headers mapped; its raw rows go to `stg_raw` at
    once. Its rows, under the dataset's column names, wait until `batch_rows` of them have
    gathered across files, and are then cleaned, parsed and validated together and written
    to `stg_<dataset>` with their failures: the fixed cost of each vectorised step is paid
    per batch, not per file, which matters when 34 provinces each send a small file. Call
    `close` after the last file.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, ds: Dataset, validator: RowValidator,
                 ref: Reference, limits: ReadLimits):
        self.con, self.ds, self.validator, self.ref, self.limits = con, ds, validator, ref, limits
        self._pending: list[pd.DataFrame] = []
        self._pending_rows = 0

    def add_file(self, path: Path, ext: str, file_id: int) -> StagedFile:
        """Stage one file. Raises FileRejected (after removing what it staged) when the file
        cannot be used."""
        staged = StagedFile(file_id)
        limits = self.limits
        try:
            headers = None
            batches = read_batches(
                path, ext or "", batch_rows=limits.batch_rows, max_bytes=limits.max_bytes,
                header_keys=header_keys(self.ds), max_expanded_bytes=limits.max_expanded_bytes,
                max_compression_ratio=limits.max_compression_ratio)
            for raw in batches:
                raw = raw.reset_index(drop=True)
                if headers is None:
                    headers = map_headers([str(c) for c in raw.columns], self.ds)
                    if headers.missing_required:
                        raise FileRejected(Reason.missing_columns(headers.missing_required))
                    if headers.extras:
                        staged.notes.append(
                            "cột không có trong mô tả, giữ trong dòng gốc | columns not in the "
                            "dataset, kept in the raw row: "
                            + ", ".join(map(str, headers.extras)))
                self._add_batch(raw, headers, file_id, staged.rows_in)
                staged.rows_in += len(raw)
            if staged.rows_in == 0:
                raise FileRejected(Reason.empty())
        except FileRejected:
            self._pending = [p[p["_file_id"] != file_id] for p in self._pending]
            self._pending_rows = sum(len(p) for p in self._pending)
            unstage_file(self.con, self.ds, file_id)
            raise
        return staged

    def close(self) -> None:
        """Validate and write what is still waiting."""
        self._flush()

    def _add_batch(self, raw: pd.DataFrame, headers, file_id: int, offset: int) -> None:
        rows = pd.RangeIndex(offset + 1, offset + len(raw) + 1)
        self.con.register("batch_rows", pd.DataFrame({"_row": rows.to_numpy()}))
        try:
            _insert(self.con, "stg_raw", "SELECT $file_id AS _file_id, x._row, to_json(r) AS _raw "
                    "FROM batch AS r POSITIONAL JOIN batch_rows AS x", raw.rename(columns=str),
                    {"file_id": file_id})
        finally:
            self.con.unregister("batch_rows")
        text = canonical_text(raw, self.ds, headers)
        self._pending.append(text.assign(_file_id=file_id, _row=rows.to_numpy()))
        self._pending_rows += len(text)
        if self._pending_rows >= self.limits.batch_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        text = pd.concat(self._pending, ignore_index=True)
        self._pending, self._pending_rows = [], 0
        frame = parse_frame(text, self.ds, self.ref)
        frame["_file_id"], frame["_row"] = text["_file_id"], text["_row"]
        frame["_required_filled"] = sum(
            _given(frame, c).astype("int64") for c in self.ds.required_columns)
        failures = self.validator.failures(frame)
        columns = [*self.ds.column_names, "_file_id", "_row", "_required_filled"]
        _insert(self.con, f"stg_{self.ds.id}", "SELECT * FROM batch", frame[columns])
        if len(failures):
            rows = failures["row"].to_numpy()
            _insert(self.con, "stg_failures", "SELECT * FROM batch", pd.DataFrame({
                "dataset": self.ds.id,
                "_file_id": frame["_file_id"].to_numpy()[rows],
                "_row": frame["_row"].to_numpy()[rows],
                "rule_id": failures["rule_id"].to_numpy(),
            }))


def _insert(con: duckdb.DuckDBPyConnection, table: str, select: str, frame: pd.DataFrame,
            params: dict | None = None) -> None:
    """INSERT INTO `table` BY NAME the `select` over `frame` (registered as `batch`)."""
    con.register("batch", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME {select}", params)
    finally:
        con.unregister("batch")


def header_keys(ds: Dataset) -> frozenset[str]:
    """Every folded header the dataset recognises: column names, Vietnamese aliases and the
    parts of summed columns. A spreadsheet reader finds the header row by them."""
    names = {n for col in ds.columns for n in (col.name, *col.vi, *col.sum_of)}
    return frozenset(fold(n) for n in names)


def unstage_file(con: duckdb.DuckDBPyConnection, ds: Dataset, file_id: int) -> None:
    con.execute(f"DELETE FROM stg_{ds.id} WHERE _file_id = ?", [file_id])
    con.execute("DELETE FROM stg_raw WHERE _file_id = ?", [file_id])
    con.execute("DELETE FROM stg_failures WHERE dataset = ? AND _file_id = ?", [ds.id, file_id])


def _given(typed: pd.DataFrame, column: str) -> pd.Series:
    """A required cell counts as filled when something was delivered in it."""
    raw = column + RAW_SUFFIX
    given = typed[column].notna()
    return given | typed[raw].notna() if raw in typed else given
