"""How many of a night's expected submissions arrived on time."""

from __future__ import annotations

from datetime import date

import duckdb

from transforms import sqlfiles

SQL = sqlfiles.SqlFolder(__package__)


def on_time_share(con: duckdb.DuckDBPyConnection, run_date: date) -> tuple[int, int]:
    """(on time, expected) submissions of `run_date`, read in the night's build (the
    warehouse attached as `wh`, its `progress.submissions` already built)."""
    on_time, expected = SQL.fetchone(con, "on_time_share", {"run_date": run_date})
    return int(on_time), int(expected)
