"""Progress over time: score deltas against earlier nights, targets and whether each metric
is on track, and the quarantine loop (records resolved by a later clean load, and the open
ones counted per province for the analysts' warehouse).

`build_trends` runs after `progress.build_progress`, in the night's connection (the
warehouse copy attached as `wh`, the restricted copy as `rs`, the scratch facts tables in
the main catalog). Every table keeps one row set per run date; re-running a night replaces
that night's rows.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from transforms import sqlfiles
from transforms.scoring.progress import Scoring
from transforms.warehouse.schema import key_list
from validations.registry import DATASETS

SQL = sqlfiles.SqlFolder(__package__)

log = logging.getLogger(__name__)

# Package data, read through importlib.resources: found wherever the package is installed.
DEFAULT_TARGETS: Traversable = resources.files("transforms.scoring").joinpath("targets.csv")
TARGET_COLUMNS = (
    "metric",
    "subject",
    "green",
    "amber",
    "target",
    "target_high",
    "deadline",
    "description_vi",
    "description_en",
)


def load_targets(scoring: Scoring, path: Path | Traversable = DEFAULT_TARGETS) -> pd.DataFrame:
    """The targets file (by default the one shipped in this package) as a frame of
    `TARGET_COLUMNS`; a clear ValueError if it is wrong. Cells the file leaves empty that
    the run's settings own are filled from `scoring`: the overall score's rating thresholds
    (`VNHEALTH_RATING_*`, as the scorecards rate) and the procedures' cost-reduction band
    (`VNHEALTH_COST_TARGET_*`), so each number is configured in one place."""
    with path.open("rb") as raw:  # Traversable.open takes no `newline`, which csv needs
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")))
    if not rows:
        raise ValueError(f"{path}: no targets")
    missing = set(TARGET_COLUMNS) - set(rows[0])
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    out = []
    for n, row in enumerate(rows, start=2):
        metric, subject = row["metric"].strip(), row["subject"].strip() or "*"
        from_settings = _from_settings(metric, subject, scoring)
        try:
            cells = {
                c: float(row[c]) if row[c].strip() else from_settings.get(c)
                for c in ("green", "amber", "target", "target_high")
            }
            rec: dict[str, Any] = {
                "metric": metric,
                "subject": subject,
                **cells,
                "deadline": date.fromisoformat(row["deadline"].strip())
                if row["deadline"].strip()
                else None,
                "description_vi": row["description_vi"],
                "description_en": row["description_en"],
            }
        except ValueError as exc:
            raise ValueError(f"{path}, line {n}: {exc}") from exc
        if not rec["metric"]:
            raise ValueError(f"{path}, line {n}: empty metric")
        empty = [c for c in ("green", "amber", "target") if rec[c] is None]
        if empty:
            raise ValueError(f"{path}, line {n}: {', '.join(empty)} empty")
        if rec["amber"] > rec["green"]:
            raise ValueError(f"{path}, line {n}: amber threshold above green")
        if rec["target_high"] is not None and rec["target_high"] < rec["target"]:
            raise ValueError(f"{path}, line {n}: target_high below target")
        out.append(rec)
    frame = pd.DataFrame(out, columns=list(TARGET_COLUMNS))
    dupes = frame[frame.duplicated(["metric", "subject"])]
    if not dupes.empty:
        pairs = dupes[["metric", "subject"]].values.tolist()
        raise ValueError(f"{path}: duplicate targets {pairs}")
    return frame


def _from_settings(metric: str, subject: str, scoring: Scoring) -> dict[str, float]:
    """The targets' cells that the run's settings own."""
    if (metric, subject) == ("overall_pct", "*"):
        return {"green": scoring.green, "amber": scoring.amber}
    if metric == "cost_reduction_pct":
        return {"target": scoring.cost_target_low, "target_high": scoring.cost_target_high}
    return {}


def build_trends(
    con: duckdb.DuckDBPyConnection,
    run_date: date,
    scoring: Scoring,
    run_id: str | None = None,
    targets: Path | Traversable | pd.DataFrame = DEFAULT_TARGETS,
) -> None:
    """Deltas on the scorecards, `progress.targets` and `progress.target_status`, quarantine
    resolution in `rs.quarantine.rows` and `progress.open_quarantine`, for `run_date`.
    `run_id` (the night's run) is only logged: the resolving run is read from core."""
    frame = targets if isinstance(targets, pd.DataFrame) else load_targets(scoring, targets)
    params = {"run_date": run_date}
    SQL.run(con, "trends_ddl")
    SQL.run(con, "trends_scorecard_deltas", params)
    con.register("targets_in", frame)
    try:
        SQL.run(con, "trends_targets")
    finally:
        con.unregister("targets_in")
    for ds in DATASETS.values():
        SQL.run(
            con,
            "trends_quarantine_resolve",
            {**params, "dataset": ds.id},
            dataset=sqlfiles.ident(ds.id, DATASETS),
            key=key_list(ds),
        )
    SQL.run(con, "trends_open_quarantine", params)
    SQL.run(con, "trends_target_status", params)
    (open_rows,) = SQL.fetchone(con, "trends_open_rows", params)
    log.info("trends of %s (run %s): %d quarantined records open", run_date, run_id, open_rows)
