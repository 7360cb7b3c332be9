"""Stage a bundle of landing files into Parquet, away from the warehouse.

A bundle is some files of one dataset, up to a byte budget (a big file alone). Staging it
reads, maps, parses and checks its rows exactly as `ingest.DatasetStager` does (rows are
gathered across the bundle's files before they are parsed and validated) and streams three
Parquet files: the typed rows with the columns of `stg_<dataset>`, the failed row rules with
those of `stg_failures`, and the raw rows as delivered with the columns of `raw.rows`, ready
to become a segment of it as they are. Nothing here touches the warehouse, so bundles can be
staged in any order, in threads, processes or on other machines; the flow reads the Parquet
files afterwards. No Prefect here: every argument and result is a small picklable value.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from transforms import memory, reference, sqlfiles
from transforms.ingest import stager as ingest
from transforms.ingest.columns import stage_arrow_schema
from transforms.ingest.context import make_context
from transforms.ingest.reading import FileLayout, FileRejected
from transforms.messages import Reason
from validations.model import Dataset, RuleSettings
from validations.registry import DATASETS
from validations.schema import RowValidator

log = logging.getLogger(__name__)

TABLES = ("rows", "raw", "failures")
# The raw file is kept (as a segment of raw.rows): zstd at level 1 halves it against snappy
# at the same speed. The others live for one night.
COMPRESSION = {"rows": ("snappy", None), "raw": ("zstd", 1), "failures": ("snappy", None)}
FAILURES_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("_file_id", pa.int32(), nullable=False),
        pa.field("_row", pa.int64(), nullable=False),
        pa.field("rule_id", pa.string(), nullable=False),
    ]
)
# The columns of raw.rows (`sql/ddl_restricted.sql`): a bundle's raw file is adopted as a
# segment of it without being rewritten.
RAW_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("row_number", pa.int64(), nullable=False),
        pa.field("raw", pa.json_(pa.string()), nullable=False),
    ]
)


@dataclass(frozen=True)
class StageFile:
    """One landing file of a bundle: what the readers need, nothing else."""

    file_id: int
    path: str
    ext: str
    source_file: str
    bytes: int


@dataclass(frozen=True)
class Bundle:
    dataset: str
    index: int
    files: tuple[StageFile, ...]

    @property
    def name(self) -> str:
        return f"{self.dataset}-{self.index:04d}"

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)


@dataclass(frozen=True)
class StageParams:
    """What a bundle needs besides its files: the run, the rule settings and the limits
    (built from the run's settings by the flow; picklable, for Dask workers)."""

    run_date: date
    run_id: str
    reference_dir: str | None  # None: the code lists shipped in the package
    limits: ingest.ReadLimits
    rules: RuleSettings
    duckdb_memory_limit: str


@dataclass
class FileResult:
    file_id: int
    rows_in: int = 0
    notes: list[str] = field(default_factory=list)
    rejection: Reason | None = None
    layout: FileLayout | None = None  # where the reader found the table (header row, sheet)


@dataclass
class BundleResult:
    dataset: str
    name: str
    files: list[FileResult]
    paths: dict[str, str]  # "rows" | "raw" | "failures" -> Parquet file (absent: no rows)
    rows: dict[str, int] = field(default_factory=dict)  # rows written per file kind


def make_bundles(dataset: str, files: list[StageFile], budget: int) -> list[Bundle]:
    """The dataset's files in delivery order, cut into bundles of at most `budget` bytes
    (a file larger than the budget is a bundle of its own)."""
    bundles: list[list[StageFile]] = []
    size = 0
    for f in files:
        if not bundles or (bundles[-1] and size + f.bytes > budget):
            bundles.append([])
            size = 0
        bundles[-1].append(f)
        size += f.bytes
    return [Bundle(dataset, i, tuple(fs)) for i, fs in enumerate(bundles, start=1)]


class BundleWriter:
    """The `ingest.StageSink` of a bundle: three Parquet files written as batches arrive.

    A raw row becomes JSON here (`to_json` in a private in-memory DuckDB), with the file's
    own headers as keys. A file rejected after some of its batches were written is removed
    when the bundle closes, by rewriting the files without it (rare: only a file that fails
    after its first batch, e.g. a malformed line far down a big file).
    """

    def __init__(self, out: Path, bundle: Bundle, ds: Dataset, run_id: str, memory_limit: str):
        self.ds, self.run_id = ds, run_id
        self.paths = {kind: out / f"{bundle.name}-{kind}.parquet" for kind in TABLES}
        self.schemas = {
            "rows": stage_arrow_schema(ds),
            "raw": RAW_SCHEMA,
            "failures": FAILURES_SCHEMA,
        }
        self.source_file = {f.file_id: f.source_file for f in bundle.files}
        self.rows = dict.fromkeys(TABLES, 0)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._written: set[int] = set()  # files with something written
        self._dropped: set[int] = set()  # ... and rejected afterwards
        self._json = duckdb.connect(config={"memory_limit": memory_limit, "threads": 1})

    def write_raw(self, file_id: int, first_row: int, raw: pd.DataFrame) -> None:
        self._json.register("batch", raw)
        try:
            json = self._json.sql("SELECT to_json(r) AS raw FROM batch AS r").to_arrow_table()
        finally:
            self._json.unregister("batch")
        n = len(raw)
        self._write(
            "raw",
            pa.table(
                [
                    pa.repeat(self.run_id, n).cast(pa.string()),
                    pa.repeat(self.ds.id, n).cast(pa.string()),
                    pa.repeat(self.source_file[file_id], n).cast(pa.string()),
                    pa.array(np.arange(first_row, first_row + n, dtype="int64")),
                    pa.ExtensionArray.from_storage(
                        pa.json_(pa.string()), json.column("raw").combine_chunks().cast(pa.string())
                    ),
                ],
                schema=RAW_SCHEMA,
            ),
        )
        self._written.add(file_id)

    def write_rows(self, frame: pd.DataFrame) -> None:
        self._write(
            "rows", pa.Table.from_pandas(frame, schema=self.schemas["rows"], preserve_index=False)
        )
        self._written.update(frame["_file_id"].unique().tolist())

    def write_failures(self, frame: pd.DataFrame) -> None:
        self._write(
            "failures", pa.Table.from_pandas(frame, schema=FAILURES_SCHEMA, preserve_index=False)
        )

    def drop_file(self, file_id: int) -> None:
        if file_id in self._written:
            self._dropped.add(file_id)

    def close(self) -> dict[str, str]:
        """Finish the files; returns the paths of those that hold rows."""
        for w in self._writers.values():
            w.close()
        if self._dropped:
            self._remove_dropped()
        self._json.close()
        return {kind: str(p) for kind, p in self.paths.items() if self.rows[kind]}

    def abort(self) -> None:
        for w in self._writers.values():
            w.close()
        self._json.close()
        for p in self.paths.values():
            p.unlink(missing_ok=True)

    def _write(self, kind: str, table: pa.Table) -> None:
        if not table.num_rows:
            return
        writer = self._writers.get(kind)
        if writer is None:
            codec, level = COMPRESSION[kind]
            writer = self._writers[kind] = pq.ParquetWriter(
                self.paths[kind], self.schemas[kind], compression=codec, compression_level=level
            )
        writer.write_table(table)
        self.rows[kind] += table.num_rows

    def _remove_dropped(self) -> None:
        dropped = sorted(self._dropped)
        files = [self.source_file[i] for i in dropped]
        for kind, where, values in (
            ("rows", "_file_id", dropped),
            ("raw", "source_file", files),
            ("failures", "_file_id", dropped),
        ):
            path = self.paths[kind]
            if not self.rows[kind]:
                continue
            kept = path.with_suffix(".kept.parquet")
            # COPY ... TO takes no parameter for its path: a quoted literal.
            column = sqlfiles.ident(where, ("_file_id", "source_file"))
            n = self._json.execute(
                f"COPY (SELECT * FROM read_parquet(?) WHERE {column} NOT IN "
                f"(SELECT unnest(?))) TO {sqlfiles.literal(kept)} (FORMAT parquet)",
                [str(path), values],
            ).fetchall()[0][0]
            os.replace(kept, path)
            self.rows[kind] = n
            if not n:
                path.unlink()
        log.info("removed %d rejected file(s) from %s", len(dropped), self.paths["rows"].name)


def stage_bundle(bundle: Bundle, params: StageParams, out_dir: str | Path) -> BundleResult:
    """Stage every file of the bundle; write `<out_dir>/<bundle>-{rows,raw,failures}.parquet`
    (only those that hold rows). A rejected file contributes no rows and carries its reason
    in the result: any error while reading, parsing, checking or writing one file's rows
    rejects that file (`transforms.ingest.failures`); only an error of the night (a full
    or failing disk, an interrupt) is raised."""
    ds = DATASETS[bundle.dataset]
    ref_dir = Path(params.reference_dir) if params.reference_dir else None
    ref = reference.load(ref_dir)  # cached: once per worker process
    ctx = make_context(params.run_date, ds.delivered_by, ref, params.rules)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results: list[FileResult] = []
    sink = BundleWriter(out, bundle, ds, params.run_id, params.duckdb_memory_limit)
    try:
        stager = ingest.DatasetStager(sink, ds, RowValidator(ds, ctx), ref, params.limits)
        for f in bundle.files:
            try:
                staged = stager.add_file(Path(f.path), f.ext, f.file_id)
            except FileRejected as exc:
                results.append(FileResult(f.file_id, rejection=exc.reason))
                continue
            # The notes list itself: the stager adds to it when it is closed.
            results.append(
                FileResult(f.file_id, staged.rows_in, staged.notes, layout=staged.layout)
            )
        stager.close()
        # Files whose rows broke a batch they shared with others, found after they were read.
        for r in results:
            if r.file_id in stager.rejected:
                r.rows_in, r.notes, r.rejection = 0, [], stager.rejected[r.file_id]
    except BaseException:
        sink.abort()
        raise
    finally:
        release_memory()
    paths = sink.close()
    return BundleResult(
        bundle.dataset, bundle.name, results, paths, {kind: n for kind, n in sink.rows.items() if n}
    )


def release_memory() -> None:
    """Give back to the system what the bundle's frames held. Arrow's pool (mimalloc) keeps
    freed pages for its next allocation, ~250 MiB after a 64 MB bundle of visits: in the
    night's process that memory would stay beside the warehouse connection's own."""
    pa.default_memory_pool().release_unused()
    memory.trim_malloc()  # glibc keeps freed blocks in each thread's arena
