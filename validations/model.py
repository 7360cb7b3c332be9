"""The declarative vocabulary of a dataset: columns, rules and their metadata.

A dataset is described once (columns with types and Vietnamese aliases, its key and its
rules); the generic engine reads, normalises, validates, loads and scores any dataset from
that description alone. Nothing here does any work on data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Literal, TypedDict
from zoneinfo import ZoneInfo

import pandas as pd

# The one time zone of the night: landing files' times, parsed date-times and the night a
# run is for are all local time here (and stored naive). The deployment's schedule
# (prefect.yaml) names the same zone; a test keeps them equal.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Criterion = Literal["accurate", "sufficient", "clean", "up_to_date"]
Severity = Literal["error", "warning"]
CRITERIA: tuple[Criterion, ...] = ("accurate", "sufficient", "clean", "up_to_date")

# Column types. Each has one parser in transforms.ingest.parsing and one DuckDB type.
ColumnType = Literal[
    "text",  # free text, NFC, trimmed
    "code",  # identifier kept as text (leading zeros kept); `width` zero-pads digit codes
    "province",  # province code: old codes are mapped to the current 34 through the crosswalk
    "commune",  # commune code (5 digits): old codes are mapped to their successors (crosswalk)
    "person_id",  # CCCD (12 digits), legacy 9-digit id or passport: upper-cased, spaces removed
    "enum",  # one of `values`; `synonyms` map delivered spellings to them
    "date",
    "datetime",  # local time (LOCAL_TZ), stored naive
    "money",  # VND, up to 2 decimals
    "int",
    "bool",
]
PARSED_TYPES: frozenset[str] = frozenset({"date", "datetime", "money", "int", "bool"})
Pii = Literal["pseudonymise", "withhold"]


@dataclass(frozen=True)
class Column:
    """One canonical column of a dataset: the data dictionary entry analysts read."""

    name: str
    type: ColumnType
    description: str
    vi: tuple[str, ...] = ()  # Vietnamese header aliases (matched without diacritics or case)
    required: bool = False
    width: int | None = None  # zero-pad all-digit values to this width (Excel drops zeros)
    values: tuple[str, ...] = ()  # allowed values of an enum
    synonyms: dict[str, str] = field(default_factory=dict)  # delivered spelling -> value
    pii: Pii | None = None  # pseudonymised or withheld in the analysts' warehouse
    sum_of: tuple[str, ...] = ()  # headers whose amounts add up to this column (claims)
    # Filled by the pipeline from the named column, never delivered (no header maps to it):
    # `commune_code_original` keeps a pre-2025 commune code that was mapped to its successor.
    derived_from: str | None = None


class EnumSpec(TypedDict):
    """The type, values and synonyms of an enum that several columns share, spread into
    each: `Column("sex", description=..., **SEX)`."""

    type: ColumnType
    values: tuple[str, ...]
    synonyms: dict[str, str]


@dataclass(frozen=True)
class RuleSettings:
    """The configured numbers rules check against and their messages name (built from the
    run's settings, `flows.settings.Settings.rule_settings`; no defaults here)."""

    freshness_days_province: int  # `updated_at` older than this many days is stale ...
    freshness_days_moh: int  # ... for a province's export, and for the ministry's
    future_tolerance_days: int  # a stamp after the end of the night plus this is future
    elderly_age: int  # social protection: the `elderly` category needs this age

    def freshness_days(self, delivered_by: str) -> int:
        if delivered_by == "province":
            return self.freshness_days_province
        return self.freshness_days_moh

    def placeholders(self, delivered_by: str) -> dict[str, int]:
        """The values a rule's message template may name, for a dataset delivered by
        `delivered_by` ("province" or "moh")."""
        return {
            "freshness_days": self.freshness_days(delivered_by),
            "future_tolerance_days": self.future_tolerance_days,
            "elderly_age": self.elderly_age,
        }


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the row: the night and the reference code lists."""

    run_date: date
    as_of: datetime  # later than this is "in the future"
    fresh_after: datetime  # updated_at before this is stale
    province_codes: frozenset[str]  # the 34 current codes
    old_province_codes: frozenset[str]  # the 63 pre-July-2025 codes
    commune_province: dict[str, str]  # commune code -> current province code
    commune_successor: dict[str, str]  # pre-2025 commune code (not a current one) -> successor
    communes_divided: frozenset[str]  # those pre-2025 codes whose commune was divided
    elderly_age: int  # social protection: the `elderly` category needs this age

    @cached_property
    def divided_by_province(self) -> dict[str | None, str]:
        """Per current province, the first (in code order) pre-2025 code of a divided commune
        whose default successor lies in it (what a `commune_divided` breaker plants)."""
        out: dict[str | None, str] = {}
        for old in sorted(self.communes_divided):
            out.setdefault(self.commune_province.get(self.commune_successor[old]), old)
        return out


# A row check takes the rows (only the columns it declares) and the context and returns
# True where the row passes. It must pass rows whose inputs are missing: being present is
# the job of the `required` rules.
RowCheck = Callable[[pd.DataFrame, Context], pd.Series]

# A breaker takes a valid delivered row (text values, as in a landing file) and the context
# and returns the overrides that make the row fail exactly its rule: the per-rule unit tests
# and the demo generator's planted defects are derived from it.
Breaker = Callable[[dict[str, str], Context], dict[str, str]]


@dataclass(frozen=True)
class Rule:
    """A data-quality rule with the criterion it serves and what failing it means.

    `kind` says who evaluates it: `row` rules are pandera checks run on every batch;
    `unique` (the key, within a file and across the files of a night), `reference` (a value
    exists in another dataset) and `sql` (any rule over many rows or datasets, written as
    `validations/datasets/sql/<dataset>.<name>.sql`, beside the dataset's description) are
    set rules evaluated in SQL against the staged night and the warehouse. A `sql` rule reads
    its own dataset's staged rows (`stg_<dataset>`); every other dataset it reads
    (`wh.core.<other>`) is named in `needs`, which also makes that dataset load first.

    `vi` and `en` are templates: a configured number is written as a placeholder
    (`{freshness_days}`, see `RuleSettings.placeholders`) and filled in by `texts` when the
    night writes `dq.rules`, from which quarantine messages are made.
    """

    id: str
    criterion: Criterion
    severity: Severity
    vi: str
    en: str
    columns: tuple[str, ...]
    kind: Literal["row", "unique", "reference", "sql"] = "row"
    check: RowCheck | None = None
    references: tuple[str, str] | None = None  # (dataset, column) for `reference` rules
    sql: str | None = None  # name of the SQL file of a `sql` rule
    needs: tuple[str, ...] = ()  # datasets loaded before the rule runs
    breaks: Breaker | None = None  # how to make a valid row fail this rule alone

    @property
    def depends_on(self) -> tuple[str, ...]:
        return self.needs + ((self.references[0],) if self.references else ())

    def texts(self, values: Mapping[str, object]) -> tuple[str, str]:
        """(vi, en) with every `{name}` placeholder of `values` filled in; other text,
        braces included, is kept as written."""
        return _fill(self.vi, values), _fill(self.en, values)

    def message(self, values: Mapping[str, object]) -> str:
        """The bilingual message a province's data officer reads."""
        vi, en = self.texts(values)
        return f"{vi} | {en}"


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(template: str, values: Mapping[str, object]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], template)


@dataclass(frozen=True)
class Dataset:
    """A landing-zone export: its columns, key, rules and where it comes from."""

    id: str
    database_id: str
    delivered_by: Literal["moh", "province"]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    description_vi: str
    description_en: str
    # One valid delivered row (text values, canonical names) that passes every row rule on
    # the night 2026-11-24: what the per-rule tests break and the generator's rules assume.
    example: dict[str, str] = field(default_factory=dict)
    # The dataset's own progress tables (the procedures funnel, ...): SQL files beside the
    # description (`validations/datasets/sql/<dataset>.<name>.sql`), run after the common
    # progress tables with the night's parameters ($run_date, $run_id and the scoring's).
    progress_sql: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.id} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def delivered_columns(self) -> tuple[str, ...]:
        """The columns a file may deliver: all but those the pipeline derives."""
        return tuple(c.name for c in self.columns if c.derived_from is None)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


@dataclass(frozen=True)
class Database:
    """One of the 12 specialised databases (or the procedures tracker). Its datasets are
    not listed here: each dataset names its database (see `registry.datasets_of`)."""

    id: str
    name_vi: str
    name_en: str
    counts_in_scorecard: bool = True
