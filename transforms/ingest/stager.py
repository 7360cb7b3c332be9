"""Stage landing files: read them in batches, map and parse their columns, run the row rules,
and hand raw rows, typed rows and failures to a sink. No Prefect, no warehouse here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from transforms.ingest.columns import STAGE_META
from transforms.ingest.headers import map_headers
from transforms.ingest.parsing import canonical_text, parse_frame
from transforms.ingest.reading import FileRejected, read_batches
from transforms.messages import Reason
from transforms.reference import Reference
from transforms.text import fold
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
    """How much a file may hold and how much is read at a time (from the run's settings)."""

    batch_rows: int
    max_bytes: int
    max_expanded_bytes: int
    max_compression_ratio: float
    max_claims_table_bytes: int = 64 * 1024**2  # a claims package's largest decoded table


class StageSink(Protocol):
    """Where a stager puts what it staged (`transforms.ingest.stage.BundleWriter`)."""

    def write_raw(self, file_id: int, first_row: int, raw: pd.DataFrame) -> None:
        """The batch's rows as delivered (the file's own headers), numbered from
        `first_row`."""

    def write_rows(self, frame: pd.DataFrame) -> None:
        """Typed rows with the columns of `stg_<dataset>`."""

    def write_failures(self, frame: pd.DataFrame) -> None:
        """(dataset, _file_id, _row, rule_id) of the failed row rules."""

    def drop_file(self, file_id: int) -> None:
        """Forget everything written for a rejected file."""


class DatasetStager:
    """Stages files of one dataset into a sink.

    Each file is read in batches and its headers mapped; its raw rows go to the sink at
    once. Its rows, under the dataset's column names, wait until `batch_rows` of them have
    gathered across files, and are then cleaned, parsed and validated together and written
    with their failures: the fixed cost of each vectorised step is paid per batch, not per
    file, which matters when 34 provinces each send a small file. Call `close` after the
    last file.
    """

    def __init__(
        self,
        sink: StageSink,
        ds: Dataset,
        validator: RowValidator,
        ref: Reference,
        limits: ReadLimits,
    ):
        self.sink, self.ds, self.validator, self.ref, self.limits = sink, ds, validator, ref, limits
        self._pending: list[pd.DataFrame] = []
        self._pending_rows = 0

    def add_file(self, path: Path, ext: str, file_id: int) -> StagedFile:
        """Stage one file. Raises FileRejected (after dropping what it staged) when the file
        cannot be used."""
        staged = StagedFile(file_id)
        limits = self.limits
        try:
            headers = None
            batches = read_batches(
                path,
                ext or "",
                batch_rows=limits.batch_rows,
                max_bytes=limits.max_bytes,
                header_keys=header_keys(self.ds),
                max_expanded_bytes=limits.max_expanded_bytes,
                max_compression_ratio=limits.max_compression_ratio,
                dataset=self.ds.id,
                max_table_bytes=limits.max_claims_table_bytes,
                notes=staged.notes,
            )
            empty_ok = False
            for raw in batches:
                empty_ok = empty_ok or bool(raw.attrs.get("empty_ok"))
                raw = raw.reset_index(drop=True)
                if headers is None:
                    headers = map_headers([str(c) for c in raw.columns], self.ds)
                    if headers.missing_required:
                        raise FileRejected(Reason.missing_columns(headers.missing_required))
                    if headers.extras:
                        staged.notes.append(
                            "cột không có trong mô tả, giữ trong dòng gốc | columns not in the "
                            "dataset, kept in the raw row: " + ", ".join(map(str, headers.extras))
                        )
                if len(raw):
                    self._add_batch(raw, headers, file_id, staged.rows_in)
                staged.rows_in += len(raw)
            if staged.rows_in == 0 and not empty_ok:
                raise FileRejected(Reason.empty())
        except FileRejected:
            self._pending = [p[p["_file_id"] != file_id] for p in self._pending]
            self._pending_rows = sum(len(p) for p in self._pending)
            self.sink.drop_file(file_id)
            raise
        return staged

    def close(self) -> None:
        """Validate and write what is still waiting."""
        self._flush()

    def _add_batch(self, raw: pd.DataFrame, headers, file_id: int, offset: int) -> None:
        self.sink.write_raw(file_id, offset + 1, raw.rename(columns=str))
        rows = np.arange(offset + 1, offset + len(raw) + 1, dtype="int64")
        text = canonical_text(raw, self.ds, headers)
        self._pending.append(text.assign(_file_id=file_id, _row=rows))
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
            _given(frame, c).astype("int64") for c in self.ds.required_columns
        )
        failures = self.validator.failures(frame)
        self.sink.write_rows(frame[[*self.ds.column_names, *STAGE_META]])
        if len(failures):
            rows = failures["row"].to_numpy()
            self.sink.write_failures(
                pd.DataFrame(
                    {
                        "dataset": self.ds.id,
                        "_file_id": frame["_file_id"].to_numpy()[rows],
                        "_row": frame["_row"].to_numpy()[rows],
                        "rule_id": failures["rule_id"].to_numpy(),
                    }
                )
            )


def header_keys(ds: Dataset) -> frozenset[str]:
    """Every folded header the dataset recognises: column names, Vietnamese aliases and the
    parts of summed columns. A spreadsheet reader finds the header row by them."""
    names = {n for col in ds.columns for n in (col.name, *col.vi, *col.sum_of)}
    return frozenset(fold(n) for n in names)


def _given(typed: pd.DataFrame, column: str) -> pd.Series:
    """A required cell counts as filled when something was delivered in it."""
    raw = column + RAW_SUFFIX
    given = typed[column].notna()
    return given | typed[raw].notna() if raw in typed else given
