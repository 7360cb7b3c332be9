"""Plausibility over time (QUALITY.md): is a source's night believable against its own
history? Each finding is a row of `dq.anomalies` (or `dq.schema_changes`); they never
quarantine rows.

Two halves, so that the cost stays flat however long the history:

- `record_night_stats` runs as each dataset is finished, over the rows staged tonight, and
  keeps a few aggregates per source in `dq.night_stats` (rows received, the median of the
  numeric columns that carry meaning, the share of each value of the categorical ones,
  indicator counts per province) and each file's headers in `dq.file_layouts`.
- `run_checks` runs once the night is loaded; it reads only those aggregates over the
  trailing window (and the same month of earlier years) and judges tonight with the pure
  functions below (`volume_findings`, ...), which the unit tests call on small series.

Baselines never hold the night under test. A series with fewer than `min_history` nights
of history is not judged: it is counted as `no_verdict` in `dq.plausibility_summary`
(one row per night × check × dataset: series judged, findings, no verdict).
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from transforms import sqlfiles
from transforms.scoring.progress import Scoring
from validations.registry import DATASETS

SQL = sqlfiles.SqlFolder(__package__)
log = logging.getLogger(__name__)

DEFAULT_CONFIG: Traversable = resources.files("transforms.scoring").joinpath("plausibility.toml")
CHECKS = ("volume", "value", "distribution", "indicator_pair", "over_time", "schema")
FINDING_COLUMNS = (
    "run_date",
    "province_code",
    "source",
    "dataset",
    "check",
    "metric",
    "value",
    "expected",
    "low",
    "high",
    "score",
    "severity",
    "message_vi",
    "message_en",
    "history_nights",
)
MAD_TO_SD = 0.6745  # the MAD of a normal distribution in standard deviations
# The MAD of a normal distribution in mean absolute deviations (0.6745 / 0.7979): a MAD of 0
# becomes 1.253314 × MeanAD in standard deviations (Iglewicz and Hoaglin).
MEANAD_TO_MAD = MAD_TO_SD * 1.253314


@dataclass(frozen=True)
class Thresholds:
    """The checks' windows and thresholds (from the run's settings; no defaults here)."""

    window_nights: int  # trailing window of the outlier and distribution checks
    min_history: int  # fewer nights of history: no verdict
    z_threshold: float  # |modified z| above this is an anomaly
    volume_floor_pct: float  # a volume series' spread is at least this % of its median
    value_floor_pct: float  # a value series' spread is at least this % of its median
    share_points: float  # distribution: a share must move more than this many points
    pair_window_nights: int  # indicator pairs: nights summed, tonight included
    pair_min_count: int  # ... at least this many in the denominator, else no verdict
    over_time_pct: float  # this month against the same months of the previous period
    over_time_years: int  # how many earlier years make the previous period
    high_factor: float  # severity `high` from this many times the threshold


@dataclass(frozen=True)
class Indicator:
    name: str
    dataset: str
    where: tuple[tuple[str, str], ...]  # (column, value), at most two


@dataclass(frozen=True)
class Pair:
    name: str
    numerator: str
    denominator: str
    low: float
    high: float


@dataclass(frozen=True)
class Config:
    """What carries meaning (package data `plausibility.toml`)."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    durations: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    pairs: dict[str, Pair] = field(default_factory=dict)


def load_config(path: Path | Traversable = DEFAULT_CONFIG) -> Config:
    """The plausibility configuration, checked against the registry: a clear ValueError for
    an unknown dataset, column or indicator."""
    with path.open("rb") as fh:
        raw = tomllib.load(fh)

    def column(dataset: str, name: str) -> str:
        if dataset not in DATASETS:
            raise ValueError(f"{path}: unknown dataset {dataset!r}")
        if name not in DATASETS[dataset].column_names:
            raise ValueError(f"{path}: {dataset} has no column {name!r}")
        return name

    values = {ds: tuple(column(ds, c) for c in cols) for ds, cols in raw.get("values", {}).items()}
    categories = {
        ds: tuple(column(ds, c) for c in cols) for ds, cols in raw.get("categories", {}).items()
    }
    durations = {}
    for name, (ds, start, end) in raw.get("durations", {}).items():
        durations[name] = (ds, column(ds, start), column(ds, end))
    indicators = {}
    for name, spec in raw.get("indicators", {}).items():
        where = tuple((column(spec["dataset"], c), str(v)) for c, v in spec["where"].items())
        if len(where) > 2:
            raise ValueError(f"{path}: indicator {name}: at most two conditions")
        indicators[name] = Indicator(name, spec["dataset"], where)
    pairs = {}
    for name, spec in raw.get("pairs", {}).items():
        for side in ("numerator", "denominator"):
            if spec[side] not in indicators:
                raise ValueError(f"{path}: pair {name}: unknown indicator {spec[side]!r}")
        if not 0 <= spec["low"] < spec["high"]:
            raise ValueError(f"{path}: pair {name}: the band must be 0 <= low < high")
        pairs[name] = Pair(name, spec["numerator"], spec["denominator"], spec["low"], spec["high"])
    return Config(values, durations, categories, indicators, pairs)


# ---------------------------------------------------------------- the night's aggregates


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    SQL.run(con, "plausibility_ddl")


def record_night_stats(
    con: duckdb.DuckDBPyConnection, dataset: str, run_id: str, run_date: date, config: Config
) -> None:
    """Keep tonight's aggregates of `dataset` from its staged rows (`stg_<dataset>`,
    `stg_files`, the view `stg_raw`): call it after the dataset's bundles are loaded and
    before it is finished (finishing frees the stage), once the night has made the tables
    (`ensure_tables`). All of a dataset's aggregates come from one statement over its
    night's rows (`plausibility_stats`): their cost is a few statements per dataset, not a
    few per metric (and not the tables' DDL for each of the night's datasets)."""
    ds = DATASETS[dataset]
    table = sqlfiles.ident(dataset, DATASETS)
    cols = ds.column_names
    params: dict[str, Any] = {"run_date": run_date, "run_id": run_id, "dataset": dataset}
    SQL.run(con, "plausibility_stats_clear", params)
    province = next((c.name for c in ds.columns if c.type == "province"), None)
    read = _columns_read(dataset, config, province)
    # A view over the staged rows, unless a source's earlier files of the night add theirs.
    earlier = _earlier_files(con, params) > 0
    kind = "table" if earlier else "view"
    staged = sqlfiles.ident_list(["_file_id", *read], ["_file_id", *cols])
    SQL.run(con, "plausibility_night_rows", params, kind=kind, dataset=table, columns=staged)
    if earlier:
        loaded = sqlfiles.ident_list(["_source_file", *read], ["_source_file", *cols])
        SQL.run(con, "plausibility_night_rows_earlier", params, dataset=table, columns=loaded)
    try:
        expressions, values = _stats_columns(dataset, config, province)
        for statement in SQL.statements(
            "plausibility_stats", expressions=expressions, dataset=table
        ):
            con.execute(statement, sqlfiles.bound(statement, {**params, **values}))
    finally:
        con.execute(f"DROP {kind} IF EXISTS night_rows")
    SQL.run(con, "plausibility_stats_layouts", params)


def _earlier_files(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> int:
    """How many files the sources staged tonight had already delivered for the dataset this
    night, in an earlier run (a partial re-run with new files)."""
    return len(_frame(con, "plausibility_earlier_files", params))


def _columns_read(dataset: str, config: Config, province: str | None) -> list[str]:
    """The columns of `dataset` its aggregates read, in the registry's order."""
    wanted = set(config.values.get(dataset, ())) | set(config.categories.get(dataset, ()))
    for ds_id, start, end in config.durations.values():
        if ds_id == dataset:
            wanted |= {start, end}
    for ind in config.indicators.values():
        if ind.dataset == dataset and province is not None:
            wanted |= {province, *(c for c, _ in ind.where)}
    return [c for c in DATASETS[dataset].column_names if c in wanted]


def _stats_columns(
    dataset: str, config: Config, province: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The expressions `plausibility_stats.sql` computes its metrics from, per row of
    `night_rows` (each named by its metric; column names checked against the dataset,
    metric names against the configuration), and the values they compare with (bound
    parameters `$va<i>`, `$vb<i>`)."""
    cols = DATASETS[dataset].column_names

    def col(name: str) -> str:
        return sqlfiles.ident(name, cols)

    def metric(kind: str, name: str, allowed: Iterable[str]) -> str:
        return f'"{kind}:{sqlfiles.ident(name, allowed)}"'

    numbers = [
        f"{col(c)}::DOUBLE AS {metric('median', c, cols)}" for c in config.values.get(dataset, ())
    ]
    for name, (ds_id, start, end) in config.durations.items():
        if ds_id == dataset:
            days = f"date_diff('minute', {col(start)}::TIMESTAMP, {col(end)}::TIMESTAMP)"
            numbers.append(
                f"CASE WHEN {days} >= 0 THEN {days} / 1440.0 END"
                f" AS {metric('median', name, config.durations)}"
            )
    categories = [
        f"{col(c)}::VARCHAR AS {metric('share', c, cols)}"
        for c in config.categories.get(dataset, ())
    ]
    indicators: list[str] = []
    values: dict[str, str] = {}
    mine = [ind for ind in config.indicators.values() if ind.dataset == dataset and province]
    for i, ind in enumerate(mine):
        name = metric("count", ind.name, config.indicators)
        if not ind.where:  # every row
            indicators.append(f"{{'hit': true, 'delivered': true}} AS {name}")
            continue
        # One condition: the same column twice.
        (a, va), (b, vb) = (ind.where + ind.where)[:2]
        values |= {f"va{i}": va, f"vb{i}": vb}
        indicators.append(
            f"{{'hit': {col(a)}::VARCHAR = $va{i} AND {col(b)}::VARCHAR = $vb{i}, "
            f"'delivered': {col(a)} IS NOT NULL AND {col(b)} IS NOT NULL}} AS {name}"
        )
    expressions = {
        "numbers": ", ".join(numbers) or 'NULL::DOUBLE AS "median:"',
        "categories": ", ".join(categories) or 'NULL::VARCHAR AS "share:"',
        "indicators": ", ".join(indicators)
        or 'NULL::STRUCT(hit BOOLEAN, delivered BOOLEAN) AS "count:"',
        "province": f"{col(province)}::VARCHAR" if indicators and province else "NULL::VARCHAR",
    }
    return expressions, values


# ---------------------------------------------------------------- the checks, pure


def _fmt(x: float, lang: str) -> str:
    """A number as people write it: 1,210 and 8.3 in English; 1.210 and 8,3 in Vietnamese."""
    text = f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.2f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", "−")


def _z(z: float, lang: str) -> str:
    text = f"{z:+.1f}".replace("-", "−")
    return text.replace(".", ",") if lang == "vi" else text


def _severity(score: float, t: Thresholds) -> str:
    return "high" if score >= t.high_factor * t.z_threshold else "medium"


def modified_z(
    x: float, baseline: Iterable[float], floor: float = 0.0
) -> tuple[float, float, float]:
    """(z, median, spread) of `x` against `baseline`: z = 0.6745 (x − median) / MAD, with
    the MAD raised to `floor` (a series that never moved would make any change infinite)."""
    b = pd.Series(list(baseline), dtype="float64")
    med = float(b.median())
    mad = max(float((b - med).abs().median()), floor)
    if mad == 0:
        return (0.0 if x == med else math.copysign(math.inf, x - med)), med, mad
    return MAD_TO_SD * (x - med) / mad, med, mad


def _split(frame: pd.DataFrame, run_date: date, t: Thresholds) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tonight's rows, and the baseline: the window's earlier nights (tonight left out)."""
    frame = frame.assign(run_date=pd.to_datetime(frame["run_date"]))
    night = pd.Timestamp(run_date)
    since = night - pd.Timedelta(days=t.window_nights)
    tonight = frame[frame["run_date"] == night]
    base = frame[(frame["run_date"] < night) & (frame["run_date"] >= since)]
    return tonight, base


def _finding(**kw: Any) -> dict[str, Any]:
    return {c: kw.get(c) for c in FINDING_COLUMNS}


def _series_finding(
    row: dict[str, Any],
    run_date: date,
    t: Thresholds,
    *,
    check: str,
    metric: str,
    value: float,
    expected: float,
    band: tuple[float, float],
    z: float,
    nights: int,
    message: tuple[str, str],
    province_code: Any = None,
) -> dict[str, Any]:
    """A finding on one source's series (volume, value, distribution): the source, dataset
    and province of `row` (or `province_code`), the score |z| (an infinite z, a series that
    never moved, capped at 10⁶) and its severity, the messages (Vietnamese, English)."""
    score = min(abs(z), 1e6)
    return _finding(
        run_date=run_date,
        province_code=row["province_code"] if province_code is None else province_code,
        source=row["source"],
        dataset=row["dataset"],
        check=check,
        metric=metric,
        value=value,
        expected=expected,
        low=band[0],
        high=band[1],
        score=score,
        severity=_severity(score, t),
        message_vi=message[0],
        message_en=message[1],
        history_nights=nights,
    )


def weekday_factors(rows: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and weekday, how a night's volume compares with a usual night, from the
    baseline `rows` (run_date, source, dataset, value): for each night, the median over
    sources of value / that source's median; per weekday, the median of those nights.
    Pooled over sources, one night per weekday is enough. Columns: dataset, weekday,
    factor."""
    if rows.empty:
        return pd.DataFrame(columns=["dataset", "weekday", "factor"])
    usual = rows.groupby(["dataset", "source"])["value"].transform("median")
    r = rows.assign(ratio=rows["value"] / usual.where(usual > 0))
    per_night = r.groupby(["dataset", "run_date"], as_index=False)["ratio"].median().dropna()
    per_night["weekday"] = per_night["run_date"].dt.weekday
    out = per_night.groupby(["dataset", "weekday"], as_index=False)["ratio"].median()
    out = out.rename(columns={"ratio": "factor"})
    return out[out["factor"] > 0]


def _robust(base: pd.DataFrame, keys: list[str], column: str = "value") -> pd.DataFrame:
    """Per group of `keys`: median, MAD and number of nights of `column`. Where more than
    half the nights hold the very same value the MAD is 0 whatever the others do (a median
    of durations in whole hours sits at 6 h on four nights of seven and near two days on the
    other three): then the mean absolute deviation stands in, scaled to a MAD
    (`MEANAD_TO_MAD`), as Iglewicz and Hoaglin's modified z-score does."""
    g = base.groupby(keys)[column]
    stats = g.agg(med="median", nights="count").reset_index()
    stats["med"] = stats["med"].astype("float64")
    dev = base.merge(stats[[*keys, "med"]], on=keys)
    dev["dev"] = (dev[column] - dev["med"]).abs()
    spread = dev.groupby(keys)["dev"].agg(mad="median", meanad="mean").reset_index()
    out = stats.merge(spread, on=keys, how="left")
    mad, meanad = out["mad"].astype("float64"), out["meanad"].astype("float64")
    out["mad"] = mad.where(mad > 0, MEANAD_TO_MAD * meanad)
    return out.drop(columns="meanad")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _summaries(j: pd.DataFrame, check: str, key: str, run_date: date) -> list[dict]:
    out = []
    for name, g in j.groupby(key, sort=True):
        judged = g[g["verdict"]]
        out.append(
            _summary(
                run_date,
                check,
                str(name),
                len(judged),
                int(judged["found"].sum()),
                int((~g["verdict"]).sum()),
            )
        )
    return out


def volume_findings(
    frame: pd.DataFrame, run_date: date, t: Thresholds
) -> tuple[list[dict], list[dict]]:
    """Rows received per source × dataset against the source's trailing window, weekday
    aware. `frame`: run_date, source, province_code, dataset, value (metric `rows`)."""
    tonight, base = _split(frame, run_date, t)
    if tonight.empty:
        return [], []
    factors = weekday_factors(base)
    base = base.assign(weekday=base["run_date"].dt.weekday).merge(
        factors, on=["dataset", "weekday"], how="left"
    )
    base["adj"] = base["value"] / base["factor"].fillna(1.0)
    keys = ["dataset", "source"]
    stats = _robust(base, keys, "adj")
    f_now = factors[factors["weekday"] == run_date.weekday()][["dataset", "factor"]]
    tn = tonight.merge(f_now, on="dataset", how="left")
    tn["factor"] = tn["factor"].fillna(1.0)
    tn["x"] = tn["value"] / tn["factor"]
    # Counts vary at least as a Poisson count does (the spread is never below √median) and
    # a few quiet weeks do not make a 10 % wobble an anomaly (`volume_floor_pct`).
    j = tn.merge(stats, on=keys, how="left")
    j["nights"] = j["nights"].fillna(0).astype(int)
    j["verdict"] = j["nights"] >= t.min_history
    j["spread"] = np.maximum(
        j["mad"],
        MAD_TO_SD
        * np.maximum(np.sqrt(j["med"].clip(lower=1.0)), t.volume_floor_pct / 100 * j["med"]),
    )
    j["z"] = MAD_TO_SD * (j["x"] - j["med"]) / j["spread"]
    j["found"] = j["verdict"] & (j["z"].abs() > t.z_threshold)
    findings = []
    for row in _records(j[j["found"]]):
        who = f"{row['source']} {row['dataset']}"
        expected = row["med"] * row["factor"]
        half = t.z_threshold * row["spread"] / MAD_TO_SD * row["factor"]
        n, z = int(row["nights"]), float(row["z"])
        findings.append(
            _series_finding(
                row,
                run_date,
                t,
                check="volume",
                metric="rows",
                value=float(row["value"]),
                expected=expected,
                band=(max(0.0, expected - half), expected + half),
                z=z,
                nights=n,
                message=(
                    f"{who}: {_fmt(row['value'], 'vi')} dòng so với trung vị "
                    f"{_fmt(expected, 'vi')} của {n} đêm trước, z = {_z(z, 'vi')}",
                    f"{who}: {_fmt(row['value'], 'en')} rows against a median "
                    f"of {_fmt(expected, 'en')} over {n} nights, z = {_z(z, 'en')}",
                ),
            )
        )
    return findings, _summaries(j, "volume", "dataset", run_date)


def value_findings(
    frame: pd.DataFrame, run_date: date, t: Thresholds
) -> tuple[list[dict], list[dict]]:
    """The night's median of each meaningful numeric column per source against the
    source's trailing window (metrics `median:<column>`)."""
    tonight, base = _split(frame, run_date, t)
    if tonight.empty:
        return [], []
    keys = ["dataset", "source", "metric"]
    if "median_se" not in frame:  # aggregates kept before medians carried their error
        tonight, base = tonight.assign(median_se=np.nan), base.assign(median_se=np.nan)
    stats = _robust(base, keys)
    base_se = (
        base.groupby(keys)
        .agg(base_se=("median_se", "median"), base_n=("n", "median"))
        .reset_index()
    )
    j = tonight.assign(x=tonight["value"]).merge(stats, on=keys, how="left")
    j = j.merge(base_se, on=keys, how="left")
    j["nights"] = j["nights"].fillna(0).astype(int)
    j["verdict"] = j["nights"] >= t.min_history
    # A night's median of n values wobbles by at least ~2 × median / √n for the skewed
    # columns we watch (costs, stays: a small source's medians are noisy even when a few
    # quiet weeks say otherwise), and never less than
    # `value_floor_pct` of it.
    relative = np.maximum(t.value_floor_pct / 100, 2.0 / np.sqrt(j["n"].clip(lower=1)))
    # Nor less than the median's usual standard error (from its order statistics, the
    # baseline nights' median, scaled to tonight's rows): a median between two of a
    # column's few distinct values (quantities: days × 1, 2 or 3) may land on either from
    # one night to the next. Tonight's own is not used: a shifted night's scales with it.
    scale = np.sqrt(j["base_n"] / j["n"].clip(lower=1))
    se = (j["base_se"] * scale).fillna(0.0)
    j["spread"] = np.fmax(
        np.maximum(j["mad"], MAD_TO_SD * relative * j["med"].abs()), MAD_TO_SD * se
    )
    diff = j["x"] - j["med"]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(
            j["spread"] > 0,
            MAD_TO_SD * diff / j["spread"],
            np.where(diff == 0, 0.0, np.sign(diff) * np.inf),
        )
    j["z"] = z
    j["found"] = j["verdict"] & (j["z"].abs() > t.z_threshold)
    findings = []
    for row in _records(j[j["found"]]):
        column = row["metric"].split(":", 1)[1]
        half = t.z_threshold * row["spread"] / MAD_TO_SD
        n, zv = int(row["nights"]), float(row["z"])
        findings.append(
            _series_finding(
                row,
                run_date,
                t,
                check="value",
                metric=row["metric"],
                value=float(row["value"]),
                expected=float(row["med"]),
                band=(row["med"] - half, row["med"] + half),
                z=zv,
                nights=n,
                message=(
                    f"{row['source']} {row['dataset']}: trung vị {column} đêm nay "
                    f"{_fmt(row['value'], 'vi')} so với {_fmt(row['med'], 'vi')} của {n} đêm "
                    f"trước, z = {_z(zv, 'vi')}",
                    f"{row['source']} {row['dataset']}: tonight's median {column} "
                    f"{_fmt(row['value'], 'en')} against {_fmt(row['med'], 'en')} over {n} "
                    f"nights, z = {_z(zv, 'en')}",
                ),
            )
        )
    return findings, _summaries(j, "value", "dataset", run_date)


def distribution_findings(
    frame: pd.DataFrame, run_date: date, t: Thresholds
) -> tuple[list[dict], list[dict]]:
    """The share of each value of a categorical column per source against the mean share
    over the trailing window (metrics `share:<column>=<value>`, n = the rows with a value).
    A share is flagged when it moves by more than `share_points` points and by more than
    `z_threshold` binomial standard errors (a small night's shares wobble); one finding per
    source × column, its largest move. A value absent on a night has share 0 that night."""
    parts = frame["metric"].str.removeprefix("share:").str.split("=", n=1)
    frame = frame.assign(column=parts.str[0], category=parts.str[1])
    tonight, base = _split(frame, run_date, t)
    if tonight.empty:
        return [], []
    keys = ["dataset", "source", "column"]
    nights = base.groupby(keys)["run_date"].nunique().rename("nights").reset_index()
    wide = base.pivot_table(
        index=[*keys, "run_date"], columns="category", values="value", aggfunc="sum"
    ).fillna(0.0)
    # The baseline share: the mean over the window's nights (a value absent on a night
    # counts 0 there), close to the pooled share; a median of small nights' shares is not.
    stacked = wide.groupby(level=[0, 1, 2]).mean().stack()
    shares = pd.DataFrame(stacked).reset_index().set_axis([*keys, "category", "p0"], axis=1)
    now = tonight[[*keys, "category", "value", "n", "province_code"]]
    j = now.merge(shares, on=[*keys, "category"], how="outer")
    # Tonight's rows per series (n) and province for categories absent tonight.
    per = now.groupby(keys).agg(n_all=("n", "max"), prov=("province_code", "first")).reset_index()
    j = j.merge(per, on=keys, how="inner").merge(nights, on=keys, how="left")
    j["value"] = j["value"].fillna(0.0)
    j["p0"] = j["p0"].fillna(0.0)
    j["nights"] = j["nights"].fillna(0).astype(int)
    n = j["n_all"].astype(float)
    # Tonight's share and the baseline's are both estimates: both uncertainties count, at
    # the larger binomial variance of the two shares (a share from nearly nothing to a
    # quarter of 30 rows is not certain), with a continuity correction of half a row.
    q0 = j["p0"].clip(lower=0.5 / n, upper=1 - 0.5 / n)
    q1 = j["value"].clip(lower=0.5 / n, upper=1 - 0.5 / n)
    var = np.maximum(q0 * (1 - q0), q1 * (1 - q1))
    j["se"] = (var * (1 / n + 1 / (n * j["nights"].clip(lower=1)))) ** 0.5
    diff = j["value"] - j["p0"]
    j["z"] = np.sign(diff) * (diff.abs() - 0.5 / n).clip(lower=0) / j["se"]
    j["moved"] = ((j["value"] - j["p0"]).abs() * 100 > t.share_points) & (
        j["z"].abs() > t.z_threshold
    )
    series = j.groupby(keys).agg(
        nights=("nights", "max"), found=("moved", "any"), province_code=("prov", "first")
    )
    series = series.reset_index()
    series["verdict"] = series["nights"] >= t.min_history
    series["found"] = series["found"] & series["verdict"]
    hits = j[j["moved"]].merge(series[series["found"]][keys], on=keys)
    hits = hits.loc[hits.assign(a=hits["z"].abs()).groupby(keys)["a"].idxmax()]
    findings = []
    for row in _records(hits):
        who = f"{row['source']} {row['dataset']}"
        p, p0, zb = float(row["value"]), float(row["p0"]), float(row["z"])
        half = t.z_threshold * float(row["se"])
        points = (p - p0) * 100
        nn = int(row["nights"])
        findings.append(
            _series_finding(
                row,
                run_date,
                t,
                check="distribution",
                metric=f"share:{row['column']}={row['category']}",
                value=p,
                expected=p0,
                band=(
                    max(0.0, min(p0 - half, p0 - t.share_points / 100)),
                    min(1.0, max(p0 + half, p0 + t.share_points / 100)),
                ),
                z=zb,
                nights=nn,
                message=(
                    f"{who}: tỷ lệ {row['column']} = {row['category']} là "
                    f"{_fmt(100 * p, 'vi')} % so với {_fmt(100 * p0, 'vi')} % của "
                    f"{nn} đêm trước ({_z(points, 'vi')} điểm, z = {_z(zb, 'vi')})",
                    f"{who}: share of {row['column']} = {row['category']} "
                    f"{_fmt(100 * p, 'en')} % against {_fmt(100 * p0, 'en')} % over "
                    f"{nn} nights ({_z(points, 'en')} points, z = {_z(zb, 'en')})",
                ),
                province_code=row["prov"],
            )
        )
    return findings, _summaries(series, "distribution", "dataset", run_date)


def pair_findings(
    frame: pd.DataFrame, run_date: date, t: Thresholds, pairs: Iterable[Pair]
) -> tuple[list[dict], list[dict]]:
    """Related indicators per province, summed over the last `pair_window_nights` nights
    (tonight included): numerator / denominator outside the pair's band is a finding. A
    province that delivered neither, or fewer than `pair_min_count` in the denominator, is
    not judged. `frame`: run_date, province_code, metric `count:<indicator>`, value."""
    since = run_date - timedelta(days=t.pair_window_nights - 1)
    nights = pd.to_datetime(frame["run_date"]).dt.date
    window = frame[(nights <= run_date) & (nights >= since)]
    totals = window.groupby(["province_code", "metric"])["value"].sum()
    provinces = sorted(set(frame.loc[nights == run_date, "province_code"].dropna()))
    findings, summary = [], []
    for pair in pairs:
        num_m, den_m = f"count:{pair.numerator}", f"count:{pair.denominator}"
        checked = no_verdict = found = 0
        for prov in provinces:
            if (prov, num_m) not in totals.index or (prov, den_m) not in totals.index:
                continue  # not both delivered: not this pair's business
            num, den = float(totals[(prov, num_m)]), float(totals[(prov, den_m)])
            if den < t.pair_min_count:
                no_verdict += 1
                continue
            checked += 1
            ratio = num / den
            if pair.low <= ratio <= pair.high:
                continue
            found += 1
            edge = pair.low if ratio < pair.low else pair.high
            mid = (pair.low + pair.high) / 2
            score = t.z_threshold * abs(ratio - mid) / abs(edge - mid)
            findings.append(
                _finding(
                    run_date=run_date,
                    province_code=prov,
                    source=None,
                    dataset=pair.name,
                    check="indicator_pair",
                    metric=f"{pair.numerator}/{pair.denominator}",
                    value=ratio,
                    expected=mid,
                    low=pair.low,
                    high=pair.high,
                    score=score,
                    severity=_severity(score, t),
                    message_vi=(
                        f"tỉnh {prov}: {pair.numerator} / {pair.denominator} = "
                        f"{_fmt(num, 'vi')} / {_fmt(den, 'vi')} = {_fmt(ratio, 'vi')} trong "
                        f"{t.pair_window_nights} đêm, ngoài khoảng {_fmt(pair.low, 'vi')}–"
                        f"{_fmt(pair.high, 'vi')}"
                    ),
                    message_en=(
                        f"province {prov}: {pair.numerator} / {pair.denominator} = "
                        f"{_fmt(num, 'en')} / {_fmt(den, 'en')} = {_fmt(ratio, 'en')} over "
                        f"{t.pair_window_nights} nights, outside {_fmt(pair.low, 'en')}–"
                        f"{_fmt(pair.high, 'en')}"
                    ),
                    history_nights=t.pair_window_nights,
                )
            )
        summary.append(_summary(run_date, "indicator_pair", pair.name, checked, found, no_verdict))
    return findings, summary


def over_time_findings(
    totals: pd.DataFrame, run_date: date, t: Thresholds
) -> tuple[list[dict], list[dict]]:
    """This month's rows so far per province × dataset against the mean of the same days of
    the same month in the previous `over_time_years` years (`totals`: year, province_code,
    dataset, total). No earlier year with data: no verdict."""
    keys = ["province_code", "dataset"]
    now = totals[totals["year"] == run_date.year]
    past = totals[
        (totals["year"] < run_date.year) & (totals["year"] >= run_date.year - t.over_time_years)
    ]
    means = past.groupby(keys)["total"].agg(mean="mean", years="count").reset_index()
    j = now.merge(means, on=keys, how="left")
    j["verdict"] = j["mean"].notna() & (j["mean"] > 0)
    j["low"] = j["mean"] * (1 - t.over_time_pct / 100)
    j["high"] = j["mean"] * (1 + t.over_time_pct / 100)
    j["found"] = j["verdict"] & ((j["total"] < j["low"]) | (j["total"] > j["high"]))
    findings = []
    for row in _records(j[j["found"]]):
        change = 100 * (row["total"] / row["mean"] - 1)
        score = t.z_threshold * abs(change) / t.over_time_pct
        findings.append(
            _finding(
                run_date=run_date,
                province_code=row["province_code"],
                source=f"p{row['province_code']}",
                dataset=row["dataset"],
                check="over_time",
                metric="rows_month_to_date",
                value=float(row["total"]),
                expected=float(row["mean"]),
                low=float(row["low"]),
                high=float(row["high"]),
                score=score,
                severity=_severity(score, t),
                message_vi=(
                    f"tỉnh {row['province_code']} {row['dataset']}: "
                    f"{_fmt(row['total'], 'vi')} dòng "
                    f"từ đầu tháng so với trung bình {_fmt(row['mean'], 'vi')} cùng kỳ các năm "
                    f"trước ({_z(change, 'vi')} %)"
                ),
                message_en=(
                    f"province {row['province_code']} {row['dataset']}: {_fmt(row['total'], 'en')} "
                    f"rows this month so far against a mean of {_fmt(row['mean'], 'en')} in the "
                    f"same days of previous years ({_z(change, 'en')} %)"
                ),
                history_nights=int(row["years"]),
            )
        )
    return findings, _summaries(j, "over_time", "dataset", run_date)


def schema_changes(layouts: pd.DataFrame, run_id: str, run_date: date) -> list[dict]:
    """Tonight's files whose headers differ from every file of the source's previous
    delivery of the dataset, or whose header row or data sheet moved. `layouts`:
    source_file, source, dataset, columns, fingerprint, header_row, sheet_name, sheet_index
    and the same of the previous delivery as previous_* (NULL: first delivery)."""
    out: list[dict] = []
    for source_file, rows in layouts.groupby("source_file", sort=True):
        first = rows.iloc[0]
        if first["previous_fingerprint"] is None or pd.isna(first["previous_fingerprint"]):
            continue
        found = _placement_changes(first, rows)
        if first["fingerprint"] not in set(rows["previous_fingerprint"]):
            found += _column_changes(list(first["columns"]), list(first["previous_columns"]))
        out += [
            {
                "run_id": run_id,
                "run_date": run_date,
                "source_file": source_file,
                "source": first["source"],
                "dataset": first["dataset"],
                "change": kind,
                "detail": f"{vi} | {en}",
                "previous_source_file": first["previous_source_file"],
            }
            for kind, vi, en in found
        ]
    return out


def _known(value: Any) -> Any:
    """A layout cell, None where missing (a NULL read as NA or NaN)."""
    return None if value is None or pd.isna(value) else value


def _placement_changes(first: pd.Series, rows: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Where the table is found, against every file of the previous delivery: the header
    on another row (header_moved), the data on another sheet or the sheet at another
    position (sheet_changed). A file with no such place (JSON, XML) or compared with one
    is not judged."""
    found: list[tuple[str, str, str]] = []
    row = _known(first["header_row"])
    before_rows = {int(r) for r in rows["previous_header_row"] if _known(r) is not None}
    if row is not None and before_rows and int(row) not in before_rows:
        was = min(before_rows)
        found.append(
            (
                "header_moved",
                f"dòng tiêu đề chuyển từ dòng {was} sang dòng {int(row)}",
                f"header row moved from row {was} to row {int(row)}",
            )
        )
    name, index = _known(first["sheet_name"]), _known(first["sheet_index"])
    before_sheets = {
        (str(n), int(i))
        for n, i in zip(rows["previous_sheet_name"], rows["previous_sheet_index"], strict=True)
        if _known(n) is not None and _known(i) is not None
    }
    if name is None or index is None or not before_sheets:
        return found
    if (str(name), int(index)) not in before_sheets:
        was_name, was_index = min(before_sheets)
        found.append(
            (
                "sheet_changed",
                f"trang tính dữ liệu đổi từ “{was_name}” (vị trí {was_index + 1}) sang "
                f"“{name}” (vị trí {int(index) + 1})",
                f"data sheet changed from “{was_name}” (position {was_index + 1}) to "
                f"“{name}” (position {int(index) + 1})",
            )
        )
    return found


def _column_changes(now: list[str], before: list[str]) -> list[tuple[str, str, str]]:
    """How tonight's headers differ from those of a previous file."""
    added = [c for c in now if c not in before]
    missing = [c for c in before if c not in now]
    found: list[tuple[str, str, str]] = []

    if len(added) == 1 and len(missing) == 1:
        a, m = added[0], missing[0]
        found.append(("column_renamed", f"cột {m} đổi tên thành {a}", f"column {m} renamed to {a}"))
    else:
        found += [("column_added", f"thêm cột {c}", f"column {c} added") for c in added]
        found += [("column_missing", f"thiếu cột {c}", f"column {c} missing") for c in missing]
    if not added and not missing:
        found.append(
            (
                "columns_moved",
                "thứ tự cột thay đổi: " + ", ".join(now),
                "columns in another order: " + ", ".join(now),
            )
        )
    return found


def _summary(
    run_date: date, check: str, dataset: str, checked: int, found: int, no_verdict: int
) -> dict[str, Any]:
    return {
        "run_date": run_date,
        "check": check,
        "dataset": dataset,
        "checked": checked,
        "findings": found,
        "no_verdict": no_verdict,
    }


# ---------------------------------------------------------------- the night's checks


@dataclass(frozen=True)
class Outcome:
    findings: int
    schema_changes: int
    checked: int
    no_verdict: int


def run_checks(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    run_date: date,
    t: Thresholds,
    config: Config,
) -> Outcome:
    """Judge the night `run_date` from the aggregates (the night's connection, the
    warehouse attached as `wh`); replaces the night's findings in `dq.anomalies`,
    `dq.schema_changes` and `dq.plausibility_summary`."""
    ensure_tables(con)
    since = run_date - timedelta(days=max(t.window_nights, t.pair_window_nights))
    window = _frame(con, "plausibility_window", {"since": since, "run_date": run_date})
    metric = window["metric"]
    findings: list[dict] = []
    summary: list[dict] = []
    for rows, check in (
        (window[metric == "rows"], "volume"),
        (window[metric.str.startswith("median:")], "value"),
        (window[metric.str.startswith("share:")], "distribution"),
    ):
        fn = {"volume": volume_findings, "value": value_findings}.get(check, distribution_findings)
        f, s = fn(rows, run_date, t)
        findings += f
        summary += s
    f, s = pair_findings(
        window[metric.str.startswith("count:")], run_date, t, config.pairs.values()
    )
    findings += f
    summary += s
    totals = _frame(
        con,
        "plausibility_month_totals",
        {
            "since": date(run_date.year - t.over_time_years, 1, 1),
            "run_date": run_date,
            "month": run_date.month,
            "day": run_date.day,
        },
    )
    f, s = over_time_findings(totals, run_date, t)
    findings += f
    summary += s
    layouts = _frame(con, "plausibility_layouts", {"run_date": run_date})
    changes = schema_changes(layouts, run_id, run_date)
    summary.append(
        _summary(run_date, "schema", "*", int(layouts["source_file"].nunique()), len(changes), 0)
    )
    SQL.run(con, "plausibility_replace", {"run_date": run_date})
    _insert(con, "anomalies", pd.DataFrame(findings, columns=list(FINDING_COLUMNS)))
    _insert(con, "plausibility_summary", pd.DataFrame(summary))
    _insert(con, "schema_changes", pd.DataFrame(changes))
    out = Outcome(
        findings=len(findings),
        schema_changes=len(changes),
        checked=sum(s["checked"] for s in summary),
        no_verdict=sum(s["no_verdict"] for s in summary),
    )
    log.info(
        "plausibility of %s: %d findings, %d schema changes, %d series judged, %d without "
        "verdict (too little history)",
        run_date,
        out.findings,
        out.schema_changes,
        out.checked,
        out.no_verdict,
    )
    return out


def record_live_facts(
    con: duckdb.DuckDBPyConnection, run_id: str, run_date: date, scoring: Scoring
) -> int:
    """List in `dq.live_facts` the current records of core that tonight's deaths contradict
    and count them in the night's up-to-date scores (after `progress.build_progress`, before
    the trends). Returns how many."""
    ensure_tables(con)
    params = {"run_id": run_id, "run_date": run_date, **asdict(scoring)}
    SQL.run(con, "live_facts", params)
    SQL.run(con, "live_facts_scores", params)
    (n,) = con.execute(
        "SELECT count(*) FROM wh.dq.live_facts WHERE run_date = $d", {"d": run_date}
    ).fetchone() or (0,)
    log.info("live facts of %s: %d current records contradicted by tonight's deaths", run_date, n)
    return int(n)


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """The rows of the one query of `sql/<name>.sql` as a frame."""
    (statement,) = SQL.statements(name)
    return con.execute(statement, sqlfiles.bound(statement, params)).df()


TABLES = ("anomalies", "plausibility_summary", "schema_changes", "live_facts")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("findings", frame)
    try:
        SQL.run(con, "plausibility_insert", table=sqlfiles.ident(table, TABLES))
    finally:
        con.unregister("findings")
