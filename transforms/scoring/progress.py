"""Reference facts for the night's SQL (provinces, databases, expected deliveries, rules)
and the progress tables built from them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import duckdb
import pandas as pd

from transforms import sqlfiles
from transforms.ingest.landing import CLAIMS_DATASETS
from transforms.reference import Reference
from validations import registry
from validations.databases import DATABASES
from validations.model import RuleSettings
from validations.registry import DATASET_DATABASE, DATASETS, all_rules

SQL = sqlfiles.SqlFolder(__package__)
DATASET_SQL = sqlfiles.SqlFolder("validations.datasets")  # the datasets' own SQL


@dataclass(frozen=True)
class Scoring:
    """Weights of the four criteria in `overall_pct`, the rating thresholds and the band
    (low, high) of the procedures' compliance-cost reduction, in percent (from the run's
    settings). The field names are the parameters of the progress SQL."""

    w_accurate: float
    w_sufficient: float
    w_clean: float
    w_up_to_date: float
    green: float
    amber: float
    cost_target_low: float
    cost_target_high: float


# The lines of a claims package are expected from a province on a night it sends them (in a
# package, or as files of their own), not every night: a province that sends its visits as
# CSV, XLSX or JSON is not missing them (DATASETS.md, Sources).
EXPECTED_WHEN_SENT = frozenset(CLAIMS_DATASETS) - {"visits"}

FACT_TABLES = ("stg_provinces", "stg_databases", "stg_datasets", "stg_expected", "stg_rules")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.register("facts", frame)
    try:
        SQL.run(con, "facts_insert", table=sqlfiles.ident(table, FACT_TABLES))
    finally:
        con.unregister("facts")


def load_facts(con: duckdb.DuckDBPyConnection, ref: Reference, rules: RuleSettings) -> None:
    """Fill the scratch tables the night's SQL joins to, and refresh `dq.rules`, the rules'
    messages filled in with the configured numbers of `rules` (quarantine messages are made
    from them)."""
    who = registry.delivered_by()
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
        pd.DataFrame(
            [(ds, db, who[ds]) for ds, db in DATASET_DATABASE.items()],
            columns=["dataset", "database_id", "delivered_by"],
        ),
    )
    _insert(con, "stg_expected", expected_deliveries(ref))
    frame = rules_frame(rules)
    assert len(frame) == len(all_rules())
    _insert(con, "stg_rules", frame)
    SQL.run(con, "facts_dq_rules")


def rules_frame(rules: RuleSettings) -> pd.DataFrame:
    """The rows of `dq.rules`: every rule of every dataset, its message in both languages
    with the configured numbers (the dataset deliverer's freshness window, ...) filled in."""
    out = []
    for ds in DATASETS.values():
        values = rules.placeholders(ds.delivered_by)
        for r in ds.rules:
            vi, en = r.texts(values)
            out.append(
                dict(
                    rule_id=r.id,
                    dataset=ds.id,
                    database_id=ds.database_id,
                    criterion=r.criterion,
                    severity=r.severity,
                    kind=r.kind,
                    columns=list(r.columns),
                    description_vi=vi,
                    description_en=en,
                )
            )
    return pd.DataFrame(out)


def expected_deliveries(ref: Reference) -> pd.DataFrame:
    """Every night: the ministry sends its registries, every province every other export."""
    rows: list[tuple[str, str, str | None]] = []
    for dataset, delivered_by in registry.delivered_by().items():
        if dataset in EXPECTED_WHEN_SENT:
            continue
        if delivered_by == "moh":
            rows.append(("moh", dataset, None))
        else:
            rows += [(f"p{code}", dataset, code) for code in ref.provinces]
    return pd.DataFrame(rows, columns=["source", "dataset", "province_code"])


def expect_when_sent(
    con: duckdb.DuckDBPyConnection, received: list[tuple[str | None, str | None, str | None]]
) -> None:
    """Add to tonight's expected deliveries the (source, dataset, province) of the received
    files whose dataset is expected only when sent (the claims lines)."""
    rows = sorted({(s, d, p) for s, d, p in received if s and d in EXPECTED_WHEN_SENT}, key=str)
    if rows:
        _insert(
            con, "stg_expected", pd.DataFrame(rows, columns=["source", "dataset", "province_code"])
        )


def build_progress(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    run_date: date,
    scoring: Scoring,
):
    """Rule results of the run and the night's progress tables (replacing the night's rows),
    weighted, rated and compared with the targets of `scoring`."""
    params = {"run_id": run_id, "run_date": run_date, **asdict(scoring)}
    SQL.run(con, "progress_night_files", params)
    SQL.run(con, "progress_rule_results", params)
    SQL.run(con, "progress_database_scorecard", params)
    SQL.run(con, "progress_province_scorecard", params)
    SQL.run(con, "progress_submissions", params)
    for ds in DATASETS.values():  # the datasets' own progress tables
        for name in ds.progress_sql:
            DATASET_SQL.run(con, name, params)
