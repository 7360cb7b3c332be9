"""Finish a dataset for the night in SQL: set rules (unique key, references), the split
into quarantine and core, the upsert by key, and what each file contributed. Core, the
quarantine and the raw rows are views over segments (`transforms.warehouse.segments`): the night
adds tombstones and writes its rows as new segments."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from transforms import sqlfiles
from transforms.ingest.stage import BundleResult
from transforms.warehouse import segments
from transforms.warehouse.schema import (
    core_table_sql,
    key_columns,
    key_list,
    select_core_columns,
    stage_table_sql,
)
from validations.model import Dataset
from validations.registry import DATASETS

SQL = sqlfiles.SqlFolder(__package__)
RULES_SQL = sqlfiles.SqlFolder("validations.datasets")  # the datasets' own set rules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileOutcome:
    file_id: int
    rows_in: int
    rows_loaded: int
    rows_quarantined: int


def ensure_core_table(con: duckdb.DuckDBPyConnection, ds: Dataset) -> None:
    """The view `wh.core.<dataset>` over its segments, with its base and tombstone tables."""
    for statement in core_table_sql(ds):
        con.execute(statement)
    segments.ensure(con, segments.core(sqlfiles.ident(ds.id, DATASETS)))


def ensure_tables(con: duckdb.DuckDBPyConnection, datasets: Sequence[Dataset]) -> None:
    """Every dataset's core view (with its base and tombstone tables) and stage table, in one
    transaction: on a new warehouse each statement committed on its own cost about 2 s in all
    (a commit each), together about 0.3 s."""
    con.begin()
    try:
        for ds in datasets:
            ensure_core_table(con, ds)
            ensure_stage_table(con, ds)
    except BaseException:
        con.rollback()
        raise
    con.commit()


def apply_set_rules(
    con: duckdb.DuckDBPyConnection, ds: Dataset, run_date: date, run_id: str = ""
) -> None:
    """Rules over many rows or datasets, evaluated in SQL against the staged night."""
    for rule in ds.rules:
        params = {"dataset": ds.id, "rule_id": rule.id}
        if rule.kind == "unique":
            SQL.run(
                con,
                "int_unique_key",
                {**params, "key": key_columns(ds)},
                dataset=sqlfiles.ident(ds.id, DATASETS),
                key=key_list(ds),
            )
        elif rule.kind == "reference" and rule.references:
            ref_ds, ref_col = rule.references
            if ref_ds not in DATASETS:
                continue
            SQL.run(
                con,
                "int_reference_exists",
                params,
                dataset=sqlfiles.ident(ds.id, DATASETS),
                column=sqlfiles.ident(rule.columns[0], ds.column_names),
                ref_dataset=sqlfiles.ident(ref_ds, DATASETS),
                ref_column=sqlfiles.ident(ref_col, DATASETS[ref_ds].column_names),
            )
        elif rule.kind == "sql" and rule.sql:
            # The file inserts (dataset, _file_id, _row, rule_id) into stg_failures; it may
            # use $dataset, $rule_id, $run_date and $run_id, stg_<dataset> (or stg_{dataset}
            # in a file several datasets share), wh.core.* (or, cheaper as history grows,
            # the same rows through the night's views seg_core__<dataset>:
            # segments.night_view) and, for a claims line, its visit's fate: tonight's
            # quarantined rows, seg_quarantine__rows__tonight (segments.defer_refresh).
            RULES_SQL.run(
                con,
                rule.sql,
                {**params, "run_date": run_date, "run_id": run_id},
                dataset=sqlfiles.ident(ds.id, DATASETS),
            )


def finish_dataset(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    *,
    run_id: str,
    run_date: date,
    loaded_at: datetime,
    raw_files: Sequence[tuple[str, int]] = (),
) -> list[FileOutcome]:
    """Apply the set rules, quarantine rows with errors, upsert the rest into core, and
    record per file what it contributed. `raw_files` (path, rows) are the staged raw rows
    (the view `stg_raw` reads them): they become tonight's segments of raw.rows as they are.
    Returns the row accounting of every staged file."""
    segments.ensure_tonight(con, segments.QUARANTINE, run_id)  # the claims episode rules read it
    apply_set_rules(con, ds, run_date, run_id)
    params = {"dataset": ds.id, "run_id": run_id, "run_date": run_date, "loaded_at": loaded_at}
    SQL.run(con, "int_row_outcome", params)
    dataset = sqlfiles.ident(ds.id, DATASETS)
    key = key_list(ds)
    SQL.run(con, "int_upsert_core", params, dataset=dataset, key=key)
    # Tonight's tombstones, a segment beside the rows'; the rows' segment then leaves out
    # int_deleted itself, and the view is refreshed once for both (a refresh binds every
    # live segment of the view).
    written = segments.append(
        con,
        segments.core(dataset),
        dataset,
        run_id,
        "SELECT DISTINCT _run_id, _source_file, _source_row FROM int_deleted",
        refresh=False,
        kind=segments.DELETED,
    )
    written += _append(
        con,
        segments.core(dataset),
        dataset,
        run_id,
        params,
        "int_upsert_core_rows",
        expressions={"select_columns": select_core_columns(ds)},
        refresh=False,
        dataset=dataset,
        key=key,
    )
    if written:
        segments.refresh_view(con, segments.core(dataset))
    if _earlier_deliveries(con, params):
        SQL.run(con, "int_quarantine", params)
    # The view of quarantine.rows (every dataset's segments) is refreshed once, after the
    # night's datasets (segments.refresh_stale); until then, tonight's quarantined rows are
    # read through seg_quarantine__rows__tonight (the claims episode rules).
    for part, (file_ids, row_from, row_to) in enumerate(quarantine_slices(con, raw_files)):
        _append(
            con,
            segments.QUARANTINE,
            dataset,
            run_id,
            {**params, "file_ids": file_ids, "row_from": row_from, "row_to": row_to},
            "int_quarantine_rows",
            refresh=False,
            suffix=f"-q{part:04d}" if part else "",
            dataset=dataset,
            key=key,
        )
    segments.defer_refresh(con, segments.QUARANTINE, run_id)
    # Nothing reads tonight's raw rows before the night ends (int_quarantine reads earlier
    # runs' only): the view of raw.rows is refreshed once, when the night is published.
    segments.adopt(con, segments.RAW, dataset, run_id, list(raw_files), refresh=False)
    SQL.run(con, "int_source_files", params)
    province = next((c.name for c in ds.columns if c.type == "province"), None)
    SQL.run(
        con,
        "int_file_stats",
        {**params, "required_count": len(ds.required_columns)},
        dataset=dataset,
        province=sqlfiles.ident(province, ds.column_names) if province else "_no_province",
    )
    rows = SQL.fetch(con, "int_file_outcomes", dataset=dataset)
    # What was staged for the dataset is no longer needed: free it for the next one.
    SQL.run(con, "int_clear_stage", dataset=dataset)
    return [FileOutcome(fid, n, ok, n - ok) for fid, n, ok in rows]


# A slice of the quarantine holds about this many bytes of raw rows (the joins and the sort
# of int_quarantine_rows hold them): at the night's 384MB, a slice of 2.1M rows of ~610 B
# failed (2 threads, DuckDB 1.4/2.0: "failed to pin block") and slices of 250,000 passed, as
# did 8.5M rows in such slices.
QUARANTINE_SLICE_BYTES = 128 * 1024**2
QUARANTINE_SLICE_ROWS = (1_000, 250_000)  # whatever the rows' width, at least and at most


def quarantine_slices(
    con: duckdb.DuckDBPyConnection, raw_files: Sequence[tuple[str, int]]
) -> list[tuple[list[int], int, int]]:
    """The slices tonight's rows with an error (`int_outcome`) are quarantined in: (file ids,
    first row, last row), in file order, each with at most `rows_per_slice(raw_files)` rows
    with an error. Files are taken whole while they fit (most nights: one slice); a file
    with more rows with an error is cut into ranges of its rows."""
    most = rows_per_slice(con, raw_files)
    per_file = con.execute(
        "SELECT _file_id, count(*) FROM int_outcome WHERE has_error GROUP BY _file_id "
        "ORDER BY _file_id"
    ).fetchall()
    slices: list[tuple[list[int], int, int]] = []
    whole: list[int] = []
    held = 0
    for file_id, n in per_file:
        if n > most:
            ranges = con.execute(
                "SELECT min(_row), max(_row) FROM (SELECT _row, (row_number() OVER "
                "(ORDER BY _row) - 1) // ? AS part FROM int_outcome WHERE has_error AND "
                "_file_id = ?) GROUP BY part ORDER BY 1",
                [most, file_id],
            ).fetchall()
            slices += [([file_id], lo, hi) for lo, hi in ranges]
            continue
        if held + n > most:
            slices.append((whole, 0, _LAST_ROW))
            whole, held = [], 0
        whole.append(file_id)
        held += n
    if whole:
        slices.append((whole, 0, _LAST_ROW))
    return sorted(slices, key=lambda sl: (sl[0][0], sl[1]))


_LAST_ROW = 2**62


def rows_per_slice(con: duckdb.DuckDBPyConnection, raw_files: Sequence[tuple[str, int]]) -> int:
    """Rows of a quarantine slice: `QUARANTINE_SLICE_BYTES` over the raw rows' mean width
    (from the raw files' Parquet metadata, nothing read), within `QUARANTINE_SLICE_ROWS`."""
    least, most = QUARANTINE_SLICE_ROWS
    paths = [p for p, n in raw_files if n]
    if not paths:
        return most
    [(size, rows)] = con.execute(
        "SELECT sum(total_uncompressed_size), sum(num_values) FROM parquet_metadata(?) "
        "WHERE path_in_schema = 'raw'",
        [paths],
    ).fetchall()
    if not rows:
        return most
    return max(least, min(most, QUARANTINE_SLICE_BYTES * int(rows) // max(int(size), 1)))


def _earlier_deliveries(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> bool:
    """Whether an earlier run delivered rows from one of tonight's files of the dataset
    (`rs.meta.source_files`, filled once from the views for a restricted file older than
    it): without one, int_quarantine would read all of raw.rows and quarantine.rows to hide
    nothing."""
    indexed = sqlfiles.scalar(con, "SELECT count(*) FROM rs.meta.source_files")
    if not indexed and sqlfiles.scalar(
        con, "SELECT count(*) FROM rs.meta.segments WHERE retired_at IS NULL"
    ):
        SQL.run(con, "int_source_files_backfill")
        log.info("indexed the source files of the restricted rows")
    return bool(SQL.fetchone(con, "int_earlier_deliveries", params)[0])


def _append(
    con: duckdb.DuckDBPyConnection,
    table: segments.StoredTable,
    segment_of: str,
    run_id: str,
    params: dict[str, Any],
    name: str,
    expressions: dict[str, str] | None = None,
    refresh: bool = True,
    suffix: str = "",
    **identifiers: str,
) -> int:
    """Write the rows of the one SELECT of `sql/<name>.sql` as tonight's segment of `table`
    (`suffix`: one of several of tonight's segments of the dataset)."""
    (query,) = SQL.statements(name, expressions=expressions, **identifiers)
    params = sqlfiles.bound(query, params) or {}
    return segments.append(
        con, table, segment_of, run_id, query, params, refresh=refresh, suffix=suffix
    )


def ensure_stage_table(con: duckdb.DuckDBPyConnection, ds: Dataset) -> None:
    con.execute(stage_table_sql(ds))


def load_bundles(
    con: duckdb.DuckDBPyConnection, dataset: str, results: list[BundleResult]
) -> list[tuple[str, int]]:
    """Make the bundles' files the run's scratch input for `dataset`: typed rows into
    `stg_<dataset>`, failures into `stg_failures`, and the temporary view `stg_raw` over the
    raw files (joined to `stg_files` for the file ids). Returns the raw files with their
    row counts: they become segments of raw.rows as they are."""
    dataset = sqlfiles.ident(dataset, DATASETS)
    for kind in ("rows", "failures"):
        paths = [r.paths[kind] for r in results if kind in r.paths]
        if paths:
            SQL.run(con, f"stg_load_{kind}", {"paths": paths}, dataset=dataset)
    raw = [(r.paths["raw"], r.rows["raw"]) for r in results if "raw" in r.paths]
    if raw:
        SQL.run(con, "stg_raw", {"paths": [p for p, _ in raw]})
    else:
        SQL.run(con, "stg_raw_none")
    return raw


def stage_files(con: duckdb.DuckDBPyConnection, files: list[tuple[object, ...]]) -> None:
    """Add the night's files of a dataset to `stg_files`: tuples of (file id, source file,
    current source, province code, dataset, sha256, header row, sheet name, sheet index),
    the last three None where the reader found no such thing."""
    (statement,) = SQL.statements("stg_files_insert")
    con.executemany(statement, files)
