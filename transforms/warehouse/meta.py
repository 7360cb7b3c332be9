"""The warehouse's own record of the nights: `meta.runs` (one line per run) and
`meta.files` (one line per landing file a run saw)."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from transforms import sqlfiles

SQL = sqlfiles.SqlFolder(__package__)


def earlier_loads(con: duckdb.DuckDBPyConnection, hashes: list[str]) -> dict[str, tuple[str, str]]:
    """Per content hash already loaded by an earlier run: (first source file, its run)."""
    rows = SQL.fetch(con, "meta_earlier_loads", {"hashes": list(hashes)})
    return {sha: (source_file, run_id) for sha, source_file, run_id in rows}


def record_files(con: duckdb.DuckDBPyConnection, records: pd.DataFrame) -> None:
    """Add the night's lines of `meta.files` (a frame with its columns, by name)."""
    if records.empty:
        return
    con.register("records", records)
    try:
        SQL.run(con, "meta_record_files")
    finally:
        con.unregister("records")


def record_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    run_date: date,
    started_at: datetime,
    status: str,
    sources: list[str] | None,
    datasets: list[str] | None,
    error: str | None = None,
    files_seen: int | None = None,
    rows_in: int | None = None,
    rows_loaded: int | None = None,
    rows_quarantined: int | None = None,
) -> None:
    """Add the run's line to `meta.runs`, finished now."""
    SQL.run(
        con,
        "meta_record_run",
        {
            "run_id": run_id,
            "run_date": run_date,
            "started_at": started_at,
            "finished_at": datetime.now(),
            "status": status,
            "error": error,
            "sources": sources,
            "datasets": datasets,
            "files_seen": files_seen,
            "rows_in": rows_in,
            "rows_loaded": rows_loaded,
            "rows_quarantined": rows_quarantined,
        },
    )
