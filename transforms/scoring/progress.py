"""Reference facts for the night's SQL (provinces, databases, expected deliveries, rules)
and the progress tables built from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from transforms import sqlfiles
from transforms.reference import Reference
from validations import registry
from validations.registry import DATABASES, DATASET_DATABASE, DATASETS, all_rules

SQL = sqlfiles.SqlFolder(__package__)


@dataclass(frozen=True)
class Scoring:
    """Weights of the four criteria in `overall_pct` and the rating thresholds."""

    w_accurate: float = 1.0
    w_sufficient: float = 1.0
    w_clean: float = 1.0
    w_up_to_date: float = 1.0
    green: float = 90.0
    amber: float = 75.0


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.register("facts", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM facts")
    finally:
        con.unregister("facts")


def load_facts(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """Fill the scratch tables the night's SQL joins to, and refresh `dq.rules`."""
    _insert(
        con,
        "stg_provinces",
        pd.DataFrame({"code": list(ref.provinces), "name": list(ref.provinces.values())}),
    )
    _insert(
        con,
        "stg_databases",
        pd.DataFrame(
            [(d.id, d.name_vi, d.name_en, d.counts_in_scorecard) for d in DATABASES],
            columns=["database_id", "name_vi", "name_en", "scored"],
        ),
    )
    _insert(
        con,
        "stg_datasets",
        pd.DataFrame(list(DATASET_DATABASE.items()), columns=["dataset", "database_id"]),
    )
    _insert(con, "stg_expected", expected_deliveries(ref))
    rules = pd.DataFrame(
        [
            dict(
                rule_id=r.id,
                dataset=ds.id,
                database_id=ds.database_id,
                criterion=r.criterion,
                severity=r.severity,
                kind=r.kind,
                columns=list(r.columns),
                description_vi=r.vi,
                description_en=r.en,
            )
            for ds in DATASETS.values()
            for r in ds.rules
        ]
    )
    assert len(rules) == len(all_rules())
    _insert(con, "stg_rules", rules)
    con.execute("DELETE FROM wh.dq.rules")
    con.execute("INSERT INTO wh.dq.rules BY NAME SELECT * FROM stg_rules")


def expected_deliveries(ref: Reference) -> pd.DataFrame:
    """Every night: the ministry sends its registries, every province every other export."""
    rows = []
    for dataset, delivered_by in registry.delivered_by().items():
        if delivered_by == "moh":
            rows.append(("moh", dataset, None))
        else:
            rows += [(f"p{code}", dataset, code) for code in ref.provinces]
    return pd.DataFrame(rows, columns=["source", "dataset", "province_code"])


def build_progress(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    run_date: date,
    scoring: Scoring,
    cost_target: tuple[float, float] = (30.0, 36.5),
):
    """Rule results of the run and the night's progress tables (replacing the night's rows).
    `cost_target` is the band (low, high) of the compliance-cost reduction, in percent."""
    params = {
        "run_id": run_id,
        "run_date": run_date,
        **scoring.__dict__,
        "cost_target_low": float(cost_target[0]),
        "cost_target_high": float(cost_target[1]),
    }
    SQL.run(con, "progress_night_files", params)
    SQL.run(con, "progress_rule_results", params)
    SQL.run(con, "progress_database_scorecard", params)
    SQL.run(con, "progress_province_scorecard", params)
    SQL.run(con, "progress_submissions", params)
    SQL.run(con, "progress_procedures_summary", params)
    SQL.run(con, "progress_procedures_by_province", params)
