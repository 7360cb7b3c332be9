"""What the report shows, read once from the analysts' warehouse for one run date.

Tables that a given warehouse does not have yet (an older file, a night without the trends
step) come back as empty frames, so the report degrades to the sections it can draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import resources

import duckdb
import pandas as pd

from transforms.reference import load as load_reference
from transforms.sqlfiles import scalar
from validations.databases import DATABASES
from validations.registry import datasets_of, delivered_by

SQL_DIR = resources.files("transforms.report").joinpath("sql")  # package data

# Progress tables in the order of the workbook's sheets.
PROGRESS_TABLES = (
    "database_scorecard",
    "province_scorecard",
    "submissions",
    "procedures_summary",
    "procedures_by_province",
    "target_status",
    "open_quarantine",
    "targets",
)
HISTORY_NIGHTS = 30


@dataclass
class ReportData:
    run_date: date
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # progress.<t> of run_date
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # database overall_pct by night
    quarantine_history: pd.DataFrame = field(default_factory=pd.DataFrame)  # open rows by night
    received: pd.DataFrame = field(default_factory=pd.DataFrame)  # per dataset, as meta.files
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # meta.runs of the night
    top_rules: pd.DataFrame = field(default_factory=pd.DataFrame)  # per dataset × failed rule
    freshness: pd.DataFrame = field(default_factory=pd.DataFrame)  # dataset, description_vi/en
    provinces: dict[str, str] = field(default_factory=dict)  # code -> name (reference list)
    method: Method | None = None  # the weights and cut-off of the run's settings, when known

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())


@dataclass(frozen=True)
class Method:
    """What the methodology section states that the warehouse does not hold: the criteria's
    weights in `overall_pct` and the hour after which a delivery is late (settings)."""

    weights: dict[str, float]  # criterion -> weight
    delivery_cutoff_hour: int


def provincial_databases() -> frozenset[str]:
    """The databases a province delivers data to (at least one of their datasets is
    delivered by the provinces); the others hold national registries of the ministry and
    are not applicable to a province."""
    who = delivered_by()
    return frozenset(
        db.id for db in DATABASES if any(who[ds] == "province" for ds in datasets_of(db.id))
    )


def _sql(name: str) -> str:
    return SQL_DIR.joinpath(f"{name}.sql").read_text(encoding="utf-8")


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        scalar(
            con,
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = $s AND table_name = $t "
            "AND database_name = current_database()",
            {"s": schema, "t": table},
        )
    )


def latest_run_date(con: duckdb.DuckDBPyConnection) -> date | None:
    if not table_exists(con, "progress", "database_scorecard"):
        return None
    return scalar(con, "SELECT max(run_date) FROM progress.database_scorecard")


_ORDER = {
    "database_scorecard": "database_id",
    "province_scorecard": "province_code, database_id",
    "submissions": "source, dataset",
    "procedures_by_province": "province_code",
    "target_status": "metric, subject",
    "open_quarantine": "open_rows DESC, province_code, database_id",
    "targets": "metric, subject",
}


def load(con: duckdb.DuckDBPyConnection, run_date: date) -> ReportData:
    """Every progress table's rows of `run_date` (the targets: those in force), and the
    last `HISTORY_NIGHTS` nights of database scores and open quarantine."""
    data = ReportData(run_date, provinces=dict(load_reference().provinces))
    for name in PROGRESS_TABLES:
        if not table_exists(con, "progress", name):
            continue
        where = "" if name == "targets" else "WHERE run_date = $d"
        order = f"ORDER BY {_ORDER[name]}" if name in _ORDER else ""
        data.tables[name] = con.execute(
            f"SELECT * FROM progress.{name} {where} {order}", {"d": run_date} if where else None
        ).df()
    if table_exists(con, "progress", "database_scorecard"):
        data.history = con.execute(
            "SELECT run_date, database_id, database_name_vi, database_name_en, overall_pct "
            "FROM progress.database_scorecard WHERE run_date <= $d "
            "AND run_date > $d - $n ORDER BY run_date, database_id",
            {"d": run_date, "n": HISTORY_NIGHTS},
        ).df()
    if table_exists(con, "progress", "open_quarantine"):
        data.quarantine_history = con.execute(
            "SELECT run_date, sum(open_rows) AS open_rows FROM progress.open_quarantine "
            "WHERE run_date <= $d AND run_date > $d - $n GROUP BY ALL ORDER BY run_date",
            {"d": run_date, "n": HISTORY_NIGHTS},
        ).df()
    params = {"run_date": run_date}
    if table_exists(con, "meta", "files"):
        data.received = con.execute(_sql("report_received"), params).df()
    if table_exists(con, "meta", "runs"):
        data.runs = con.execute(_sql("report_runs"), params).df()
    if all(table_exists(con, "dq", t) for t in ("rules", "file_stats", "file_rule_stats")):
        data.top_rules = con.execute(_sql("report_top_rules"), params).df()
        data.freshness = con.execute(
            "SELECT dataset, description_vi, description_en FROM dq.rules "
            "WHERE rule_id = dataset || '.updated_at.fresh' ORDER BY dataset"
        ).df()
    return data
