"""Stage a bundle of landing files into Parquet, away from the warehouse.

A bundle is some files of one dataset, up to a byte budget (a big file alone). Staging it
reads, maps, parses and checks its rows exactly as `ingest.DatasetStager` does (rows are
gathered across the bundle's files before they are parsed and validated), into a private
in-memory DuckDB database with the run's scratch tables, then writes three Parquet files
with the columns of `stg_<dataset>`, `stg_raw` and `stg_failures`. Nothing here touches the
warehouse, so bundles can be staged in any order, in threads, processes or on other
machines; the flow loads the Parquet files into its scratch tables afterwards. No Prefect
here: every argument and result is a small picklable value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from transforms import ingest, reference, sqlfiles
from transforms.context import make_context
from transforms.messages import Reason
from transforms.reading import FileRejected
from validations.registry import DATASETS
from validations.schema import RowValidator

log = logging.getLogger(__name__)

TABLES = ("rows", "raw", "failures")


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
    """What a bundle needs besides its files: the rule context and the read limits."""

    run_date: date
    reference_dir: str
    limits: ingest.ReadLimits
    freshness_days_province: int = 2
    freshness_days_moh: int = 31
    future_tolerance_days: int = 1
    elderly_age: int = 75
    duckdb_memory_limit: str = "1GB"


@dataclass
class FileResult:
    file_id: int
    rows_in: int = 0
    notes: list[str] = field(default_factory=list)
    rejection: Reason | None = None


@dataclass
class BundleResult:
    dataset: str
    name: str
    files: list[FileResult]
    paths: dict[str, str]  # "rows" | "raw" | "failures" -> Parquet file


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


def stage_bundle(bundle: Bundle, params: StageParams, out_dir: str | Path) -> BundleResult:
    """Stage every file of the bundle; write `<out_dir>/<bundle>-{rows,raw,failures}.parquet`.
    A rejected file contributes no rows and carries its reason in the result."""
    ds = DATASETS[bundle.dataset]
    ref = reference.load(Path(params.reference_dir))  # cached: once per worker process
    ctx = make_context(
        params.run_date, ds.delivered_by, ref,
        freshness_days_province=params.freshness_days_province,
        freshness_days_moh=params.freshness_days_moh,
        future_tolerance_days=params.future_tolerance_days,
        elderly_age=params.elderly_age)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results: list[FileResult] = []
    con = duckdb.connect(config={"memory_limit": params.duckdb_memory_limit, "threads": 1})
    try:
        con.execute("SET temp_directory = ?", [str(out / f".spill-{bundle.name}")])
        sqlfiles.run(con, "stg_scratch")
        ingest.ensure_stage_table(con, ds)
        stager = ingest.DatasetStager(con, ds, RowValidator(ds, ctx), ref, params.limits)
        for f in bundle.files:
            try:
                staged = stager.add_file(Path(f.path), f.ext, f.file_id)
            except FileRejected as exc:
                results.append(FileResult(f.file_id, rejection=exc.reason))
                continue
            results.append(FileResult(f.file_id, staged.rows_in, list(staged.notes)))
        stager.close()
        paths = {}
        for kind, table in zip(TABLES, (f"stg_{sqlfiles.ident(ds.id, DATASETS)}", "stg_raw",
                                        "stg_failures"), strict=True):
            path = out / f"{bundle.name}-{kind}.parquet"
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY _file_id, _row) "
                        f"TO '{_sql_path(path)}' (FORMAT parquet)")
            paths[kind] = str(path)
    finally:
        con.close()
    return BundleResult(bundle.dataset, bundle.name, results, paths)


def load_bundles(con: duckdb.DuckDBPyConnection, dataset: str,
                 results: list[BundleResult]) -> None:
    """Append the bundles' Parquet files to the run's scratch tables."""
    table = f"stg_{sqlfiles.ident(dataset, DATASETS)}"
    for kind, target in zip(TABLES, (table, "stg_raw", "stg_failures"), strict=True):
        paths = [r.paths[kind] for r in results]
        if paths:
            con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM read_parquet(?)", [paths])


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
