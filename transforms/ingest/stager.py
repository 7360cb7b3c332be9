"""Stage landing files: read them in batches, map and parse their columns, run the row rules,
and hand raw rows, typed rows and failures to a sink. No Prefect, no warehouse here."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from transforms.ingest.columns import STAGE_META
from transforms.ingest.failures import error_detail, file_failure, is_night_error
from transforms.ingest.headers import map_headers
from transforms.ingest.parsing import canonical_text, parse_frame
from transforms.ingest.reading import FileLayout, FileRejected, ShapeLimits, read_batches
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
    layout: FileLayout = field(default_factory=FileLayout)


@dataclass(frozen=True)
class ReadLimits:
    """How much a file may hold and how much is read at a time (from the run's settings)."""

    batch_rows: int
    max_bytes: int
    max_expanded_bytes: int
    max_compression_ratio: float
    shape: ShapeLimits
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
        # Files whose rows broke the batch they were parsed, checked or written in, found
        # after `add_file` returned for them: their id -> reason (see `_flush`).
        self.rejected: dict[int, Reason] = {}
        # Files staged so far, and the pre-2025 commune codes mapped in each: the count
        # becomes a note of the file (`meta.files.notes`) when the stager is closed.
        self._staged: dict[int, StagedFile] = {}
        self._communes_mapped: Counter[int] = Counter()
        self._originals = [c.name for c in ds.columns if c.derived_from is not None]

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
                shape=limits.shape,
                dataset=self.ds.id,
                max_table_bytes=limits.max_claims_table_bytes,
                notes=staged.notes,
                layout=staged.layout,
            )
            empty_ok = False
            for raw in batches:
                empty_ok = empty_ok or bool(raw.attrs.get("empty_ok"))
                raw = raw.reset_index(drop=True)
                if headers is None:
                    # A claims table's columns include declared tags its rows lack: its
                    # headers are the tags delivered (`delivered`).
                    given = raw.attrs.get("delivered", raw.columns)
                    headers = map_headers([str(c) for c in given], self.ds)
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
            if file_id in self.rejected:  # its rows broke a batch they were checked in
                raise FileRejected(self.rejected.pop(file_id))
        except Exception as exc:
            self._pending = [p[p["_file_id"] != file_id] for p in self._pending]
            self._pending_rows = sum(len(p) for p in self._pending)
            self.sink.drop_file(file_id)
            if isinstance(exc, FileRejected) or is_night_error(exc):
                raise
            log.warning("file %s failed: %s", path.name, error_detail(exc))
            raise FileRejected(file_failure(exc)) from exc
        self._staged[file_id] = staged
        return staged

    def close(self) -> None:
        """Validate and write what is still waiting; then add to each file's notes how many
        pre-2025 commune codes it delivered (mapped to their successors)."""
        self._flush()
        for file_id, n in sorted(self._communes_mapped.items()):
            staged = self._staged.get(file_id)
            if staged is not None and n:
                shown = ", ".join(self._originals)
                staged.notes.append(
                    f"{n} mã xã cũ (trước 1/7/2025) đã chuyển sang mã xã mới, mã gửi giữ ở "
                    f"{shown} | {n} pre-July-2025 commune codes mapped to their successors, "
                    f"the delivered codes kept in {shown}"
                )

    def _add_batch(self, raw: pd.DataFrame, headers, file_id: int, offset: int) -> None:
        self.sink.write_raw(file_id, offset + 1, raw.rename(columns=str))
        rows = np.arange(offset + 1, offset + len(raw) + 1, dtype="int64")
        text = canonical_text(raw, self.ds, headers)
        self._pending.append(text.assign(_file_id=file_id, _row=rows))
        self._pending_rows += len(text)
        if self._pending_rows >= self.limits.batch_rows:
            self._flush()

    def _flush(self) -> None:
        """Parse, check and write the waiting rows. When that breaks on rows gathered from
        several files, each file's rows are tried alone, and those that still break
        reject their file (`rejected`) instead of the bundle."""
        if not self._pending:
            return
        text = pd.concat(self._pending, ignore_index=True)
        self._pending, self._pending_rows = [], 0
        try:
            self._write(text)
            return
        except Exception as exc:
            if is_night_error(exc):
                raise
            file_ids = pd.unique(text["_file_id"]).tolist()
            if len(file_ids) == 1:
                self._reject_late(int(file_ids[0]), exc)
                return
        for file_id in file_ids:
            try:
                self._write(text[text["_file_id"] == file_id].reset_index(drop=True))
            except Exception as exc:
                if is_night_error(exc):
                    raise
                self._reject_late(int(file_id), exc)

    def _reject_late(self, file_id: int, exc: Exception) -> None:
        log.warning("file %d of %s failed: %s", file_id, self.ds.id, error_detail(exc))
        self.rejected[file_id] = file_failure(exc)
        self.sink.drop_file(file_id)

    def _write(self, text: pd.DataFrame) -> None:
        """Parse and check rows of text; write the typed rows and their failures."""
        frame = parse_frame(text, self.ds, self.ref)
        frame["_file_id"], frame["_row"] = text["_file_id"], text["_row"]
        frame["_required_filled"] = sum(
            _given(frame, c).astype("int64") for c in self.ds.required_columns
        )
        for name in self._originals:
            mapped = frame.loc[frame[name].notna(), "_file_id"].to_numpy(dtype="int64")
            self._communes_mapped.update(mapped.tolist())
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
    names = {
        n
        for col in ds.columns
        if col.derived_from is None
        for n in (col.name, *col.vi, *col.sum_of)
    }
    return frozenset(fold(n) for n in names)


def _given(typed: pd.DataFrame, column: str) -> pd.Series:
    """A required cell counts as filled when something was delivered in it."""
    raw = column + RAW_SUFFIX
    given = typed[column].notna()
    return given | typed[raw].notna() if raw in typed else given
