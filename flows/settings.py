"""Settings in one place: built at the entry point (CLI or flow), passed down as values.

Every field can be set from the environment with the `VNHEALTH_` prefix, e.g.
`VNHEALTH_PSEUDONYM_KEY_FILE=data/.pseudonym_key`. Secrets have no default. The settings
are frozen, and the only defaults of every number are here: deeper down, functions take the
small frozen values built from them below (`read_limits`, `rule_settings`, `scoring`),
which have no defaults of their own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from transforms.ingest.stager import ReadLimits
    from transforms.report.data import Method
    from transforms.scoring.plausibility import Thresholds
    from transforms.scoring.progress import Scoring
    from transforms.warehouse.modes import Protection
    from transforms.warehouse.snapshots import Snapshots
    from validations.model import RuleSettings


MiB = 1024**2
# The night's memory (issue 18; docs/benchmark.md "Memory of the night"): the peak of its
# whole process tree (the flow's process, the claims split workers and the DuckDB connections
# inside them; not the Prefect server) is the sum of the parts `Settings.memory_plan` names.
# What the settings bound is computed from them; the rest was measured at 2M visit rows. What
# the flow's process holds besides DuckDB grows with a large night (447 MiB after 8M): once
# staging is over it is measured, and the warehouse connection takes only what it leaves.
MEMORY_BOUND = 1024 * MiB
PYTHON_BYTES = 280 * MiB  # the flow's interpreter, libraries, Prefect client: 253-262 MiB
SPLIT_WORKER_BYTES = 32 * MiB  # a claims split worker: 24 MiB measured, flat with the package
TRACKER_BYTES = 16 * MiB  # multiprocessing's resource tracker beside them: 13 MiB
DUCKDB_OVERHEAD = 40 * MiB  # the warehouse connection's RSS above its memory_limit
# The same once staging is over: 68 MiB above the limit in `live_facts` at 8M (2026-12-01).
AFTER_STAGING_OVERHEAD = 96 * MiB
# A row being staged (Python text, frames, its raw JSON): 2.6-2.8 KB measured.
STAGED_ROW_BYTES = 3 * 1024
_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}


def duckdb_bytes(limit: str) -> int:
    """A DuckDB memory limit ("256MB", "1GiB") in bytes, as DuckDB reads it (MB = 1000**2)."""
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", limit)
    if found is None or found[2].lower() not in {"", *_UNITS}:
        raise ValueError(f"not a DuckDB memory limit: {limit!r}")
    return int(float(found[1]) * _UNITS[found[2].lower() or "b"])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VNHEALTH_", extra="ignore", frozen=True)

    landing: Path = Path("data/landing")
    warehouse: Path = Path("data/warehouse.duckdb")
    # Default: restricted/restricted.duckdb in the warehouse's folder (its own folder, 0700),
    # or restricted.duckdb next to the warehouse where a warehouse made before has one.
    restricted: Path | None = None
    # Other code lists than those shipped in the package (transforms/reference), if set.
    reference_dir: Path | None = None

    # The pseudonymisation key: one of these (environment, file, or a Prefect Secret block).
    pseudonym_key: SecretStr | None = None
    pseudonym_key_file: Path | None = None
    pseudonym_key_block: str | None = None

    batch_rows: int = Field(50_000, gt=0)  # rows read, parsed and checked at a time
    max_file_bytes: int = Field(2 * 1024**3, gt=0)
    # An xlsx is a ZIP: refuse one that would expand beyond this (a zip bomb) before opening.
    max_xlsx_expanded_bytes: int = Field(4 * 1024**3, gt=0)
    max_xlsx_compression_ratio: float = Field(200.0, gt=1)
    # The shape of a file, checked before the work it would make expensive: a longer CSV
    # line, more columns, a JSON record nested deeper, longer (in characters) or with a
    # longer number than these rejects the file.
    max_line_bytes: int = Field(1024**2, gt=0)
    max_columns: int = Field(1_000, gt=0)
    max_json_depth: int = Field(64, gt=0)
    max_record_chars: int = Field(1024**2, gt=0)
    max_number_digits: int = Field(100, gt=0, le=4300)  # 4300: Python's int-string limit
    # A claims package's base64 tables are decoded one at a time: refuse one larger than this.
    max_claims_table_bytes: int = Field(64 * 1024**2, gt=0)
    duckdb_memory_limit: str = "384MB"  # the warehouse connection's: see `memory_plan`
    duckdb_threads: int = Field(2, gt=0)

    # Staging (read, map, parse, row rules) runs as tasks over bundles of files, each
    # writing Parquet; the flow then loads them and finishes each dataset in one process.
    # `thread`: the flow's own process, `stage_workers` bundles at a time. `dask`: a Dask
    # cluster, the one at `dask_address` or a local one of `dask_workers` processes. With
    # a cluster on other machines, `stage_dir` must be storage they and the flow share.
    task_runner: Literal["thread", "dask"] = "thread"
    stage_workers: int = Field(1, gt=0)
    # Claims packages are split ahead (`transforms.ingest.presplit`) by this many processes.
    split_workers: int = Field(2, gt=0)
    dask_address: str | None = None
    dask_workers: int = Field(2, gt=0)
    stage_bundle_bytes: int = Field(64 * 1024**2, gt=0)
    stage_dir: Path | None = None  # default: `stage/` in the run's build folder
    stage_memory_limit: str = "32MB"  # DuckDB's limit inside each bundle task (uses ~8 MiB)
    # While bundles stage, the night logs its progress at most this often (seconds).
    progress_seconds: float = Field(15.0, gt=0)

    # Notices to a person (flows/notify.py): the Prefect notification block that sends
    # them, as `<block type slug>/<block name>` (e.g. `custom-webhook/vnhealth-oncall`);
    # none: notices are only logged. A full night published with a share of its expected
    # submissions on time below `notify_on_time_below` (0 to 1) is notified too.
    notify_block: str | None = None
    notify_on_time_below: float = Field(0.8, ge=0, le=1)

    # `vnhealth run` without a Prefect server starts a local one that later runs reuse; it
    # stops itself after this many seconds without a run (0: a temporary server per run,
    # stopped at its end). flows/prefect_api.py.
    prefect_server_idle_seconds: float = Field(1800.0, ge=0)

    freshness_days_province: int = 2
    freshness_days_moh: int = 31
    future_tolerance_days: int = 1  # a stamp after the run date plus this is "in the future"
    delivery_cutoff_hour: int = 6  # a file written after this hour of the next day is late

    elderly_age: int = 75  # social protection: the `elderly` category from this age
    cost_target_low_pct: float = 30.0  # procedures: compliance-cost reduction target band
    cost_target_high_pct: float = 36.5

    weight_accurate: float = 1.0
    weight_sufficient: float = 1.0
    weight_clean: float = 1.0
    weight_up_to_date: float = 1.0
    rating_green: float = 90.0
    rating_amber: float = 75.0

    # Who may read the analysts' file and its segments: the mode of the files and folders
    # the night writes (octal; "0640" from the environment). The restricted file keeps the
    # mode an administrator gave it (0600 and 0700 when the night creates them).
    analysts_file_mode: int = Field(0o640, ge=0, le=0o777)
    analysts_dir_mode: int = Field(0o750, ge=0, le=0o777)
    # The analysts' file as published on each of the last `snapshots_kept` nights, in
    # `snapshot_dir` (default: snapshots/ in the warehouse's folder); 0 keeps none.
    snapshots_kept: int = Field(35, ge=0)
    snapshot_dir: Path | None = None
    # History stays cheap to read: each night merges a dataset's segments by tiers of
    # `segment_fanout` (0 or 1: never), leaving segments of `segment_merge_max_rows` rows or
    # more alone, and deletes the files of segments retired `segment_grace_hours` ago that
    # no kept snapshot reads (transforms.warehouse.segments.merge_tiers).
    segment_fanout: int = Field(8, ge=0)
    segment_merge_max_rows: int = Field(2_000_000, ge=1)
    segment_grace_hours: float = Field(24.0, ge=0)

    @field_validator("analysts_file_mode", "analysts_dir_mode", mode="before")
    @classmethod
    def _octal(cls, value: object) -> object:
        """A mode from the environment is written as chmod takes it: "0640" or "640"."""
        if isinstance(value, str):
            return int(value, 8)
        return value

    # Plausibility over time (QUALITY.md): windows and thresholds of the checks. Which columns
    # and indicator pairs they look at: transforms/scoring/plausibility.toml.
    plausibility_window_nights: int = Field(28, gt=0)
    plausibility_min_history: int = Field(7, gt=0)  # fewer nights: no verdict
    plausibility_z_threshold: float = Field(3.5, gt=0)  # |modified z| above: an anomaly
    # The least spread (as a % of the median, in standard deviations) a series is judged with:
    # a few quiet weeks must not make an ordinary wobble an anomaly.
    plausibility_volume_floor_pct: float = Field(5.0, ge=0)
    plausibility_value_floor_pct: float = Field(10.0, ge=0)
    plausibility_share_points: float = Field(10.0, gt=0)  # a share must move more than this
    plausibility_pair_window_nights: int = Field(7, gt=0)
    plausibility_pair_min_count: int = Field(30, gt=0)
    plausibility_over_time_pct: float = Field(33.0, gt=0)
    plausibility_over_time_years: int = Field(1, gt=0)
    plausibility_high_factor: float = Field(2.0, ge=1)  # severity high from this × threshold

    def memory_plan(self) -> dict[str, int]:
        """The night's peak memory in bytes, part by part (see `MEMORY_BOUND`): the flow's
        Python, the split workers, the warehouse connection (its limit and what DuckDB holds
        beside it), and the one bundle staged at a time (its DuckDB connection and
        `batch_rows` rows). Staging and finishing overlap, so the parts add up."""
        return {
            "python": PYTHON_BYTES,
            "split_workers": self.split_workers * SPLIT_WORKER_BYTES + TRACKER_BYTES,
            "warehouse": duckdb_bytes(self.duckdb_memory_limit) + DUCKDB_OVERHEAD,
            "staging": duckdb_bytes(self.stage_memory_limit) + self.batch_rows * STAGED_ROW_BYTES,
        }

    def after_staging_memory_limit(self, beside: int | None = None) -> int:
        """The warehouse connection's memory limit in bytes once staging is over: its own
        with the shares of staging and of the split workers, all gone by then (merging
        tonight's segments, progress and publishing cannot always spill their buffers).

        `beside` is what the night's process holds besides DuckDB, measured then
        (`transforms.memory.beside_duckdb`). The plan counts `PYTHON_BYTES` for it, but a large
        night leaves more (447 MiB after an 8M night): the limit then takes only what the
        bound leaves, never less than the connection's own limit, which finishing ran in."""
        plan = self.memory_plan()
        planned = plan["warehouse"] - DUCKDB_OVERHEAD + plan["staging"] + plan["split_workers"]
        if beside is None:
            return planned
        # The split workers' resource tracker outlives them.
        room = MEMORY_BOUND - TRACKER_BYTES - max(beside, PYTHON_BYTES) - AFTER_STAGING_OVERHEAD
        return max(duckdb_bytes(self.duckdb_memory_limit), min(planned, room))

    @property
    def restricted_path(self) -> Path:
        if self.restricted is not None:
            return self.restricted
        beside = self.warehouse.with_name("restricted.duckdb")  # the default until 2026-11
        own = self.warehouse.parent / "restricted" / "restricted.duckdb"
        return beside if beside.exists() and not own.exists() else own

    @property
    def snapshot_folder(self) -> Path:
        return self.snapshot_dir or self.warehouse.parent / "snapshots"

    def analysts_protection(self) -> Protection:
        from transforms.warehouse.modes import Protection

        return Protection(self.analysts_file_mode, self.analysts_dir_mode)

    def snapshots(self) -> Snapshots:
        from transforms.warehouse.snapshots import Snapshots

        return Snapshots(self.snapshot_folder, self.snapshots_kept)

    # The small values below are imported when asked for: building the settings (the CLI's
    # usage checks) must not import pandas, pandera and DuckDB.
    def read_limits(self) -> ReadLimits:
        from transforms.ingest.stager import ReadLimits, ShapeLimits

        return ReadLimits(
            batch_rows=self.batch_rows,
            max_bytes=self.max_file_bytes,
            max_expanded_bytes=self.max_xlsx_expanded_bytes,
            max_compression_ratio=self.max_xlsx_compression_ratio,
            shape=ShapeLimits(
                max_line_bytes=self.max_line_bytes,
                max_columns=self.max_columns,
                max_json_depth=self.max_json_depth,
                max_record_chars=self.max_record_chars,
                max_number_digits=self.max_number_digits,
            ),
            max_claims_table_bytes=self.max_claims_table_bytes,
        )

    def rule_settings(self) -> RuleSettings:
        from validations.model import RuleSettings

        return RuleSettings(
            freshness_days_province=self.freshness_days_province,
            freshness_days_moh=self.freshness_days_moh,
            future_tolerance_days=self.future_tolerance_days,
            elderly_age=self.elderly_age,
        )

    def scoring(self) -> Scoring:
        from transforms.scoring.progress import Scoring

        return Scoring(
            w_accurate=self.weight_accurate,
            w_sufficient=self.weight_sufficient,
            w_clean=self.weight_clean,
            w_up_to_date=self.weight_up_to_date,
            green=self.rating_green,
            amber=self.rating_amber,
            cost_target_low=self.cost_target_low_pct,
            cost_target_high=self.cost_target_high_pct,
        )

    def report_method(self) -> Method:
        from transforms.report.data import Method

        return Method(
            weights={
                "accurate": self.weight_accurate,
                "sufficient": self.weight_sufficient,
                "clean": self.weight_clean,
                "up_to_date": self.weight_up_to_date,
            },
            delivery_cutoff_hour=self.delivery_cutoff_hour,
        )

    def plausibility(self) -> Thresholds:
        from transforms.scoring.plausibility import Thresholds

        return Thresholds(
            window_nights=self.plausibility_window_nights,
            min_history=self.plausibility_min_history,
            z_threshold=self.plausibility_z_threshold,
            volume_floor_pct=self.plausibility_volume_floor_pct,
            value_floor_pct=self.plausibility_value_floor_pct,
            share_points=self.plausibility_share_points,
            pair_window_nights=self.plausibility_pair_window_nights,
            pair_min_count=self.plausibility_pair_min_count,
            over_time_pct=self.plausibility_over_time_pct,
            over_time_years=self.plausibility_over_time_years,
            high_factor=self.plausibility_high_factor,
        )

    def pseudonym_key_bytes(self) -> bytes | None:
        """The key from the environment or a key file, or None (the flow may try Prefect)."""
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode()
        if self.pseudonym_key_file is not None:
            return self.pseudonym_key_file.read_text(encoding="utf-8").strip().encode()
        return None
