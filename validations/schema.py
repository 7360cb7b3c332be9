"""Build pandera schemas from a dataset's description and run them lazily.

Row rules that read one column become column checks. Rules that read several columns run
as frame checks on a projection holding only the columns they need: pandera reports a
failed frame check once per cell of the frame, so a narrow frame keeps a dirty file cheap.
"""

from __future__ import annotations

import logging

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from validations.model import Context, Dataset, Rule

log = logging.getLogger(__name__)

FAILURE_COLUMNS = ["row", "rule_id"]


def _column_check(rule: Rule, ctx: Context) -> pa.Check:
    return pa.Check(
        lambda s, r=rule: r.check(s.to_frame(), ctx),
        name=rule.id,
        ignore_na=False,
        description=rule.en,
    )


def _frame_check(rule: Rule, ctx: Context) -> pa.Check:
    return pa.Check(
        lambda df, r=rule: r.check(df, ctx),
        name=rule.id,
        ignore_na=False,
        description=rule.en,
    )


def row_rules(ds: Dataset) -> list[Rule]:
    return [r for r in ds.rules if r.kind == "row"]


def build_schemas(
    ds: Dataset, ctx: Context
) -> tuple[pa.DataFrameSchema, pa.DataFrameSchema, list[str]]:
    """The column schema, the frame schema and the columns the frame schema reads."""
    by_column: dict[str, list[pa.Check]] = {name: [] for name in ds.column_names}
    frame_checks: list[pa.Check] = []
    frame_columns: list[str] = []
    for rule in row_rules(ds):
        if len(rule.columns) == 1:
            by_column[rule.columns[0]].append(_column_check(rule, ctx))
        else:
            frame_checks.append(_frame_check(rule, ctx))
            frame_columns.extend(c for c in rule.columns if c not in frame_columns)
    columns = {
        col.name: pa.Column(
            checks=by_column[col.name],
            nullable=True,
            required=True,
            description=col.description,
            title=col.vi[0] if col.vi else None,
        )
        for col in ds.columns
    }
    column_schema = pa.DataFrameSchema(columns, name=ds.id, description=ds.description_en)
    frame_schema = pa.DataFrameSchema(checks=frame_checks, name=f"{ds.id} (cross-field)")
    return column_schema, frame_schema, frame_columns


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        broken = cases[cases["index"].isna()]
        if len(broken):
            # Not a data failure: a check raised, or the frame lacks a column. A bug.
            raise RuntimeError(f"{schema.name}: schema could not be applied:\n{broken}") from exc
        out = cases[["index", "check"]].drop_duplicates()
        out.columns = FAILURE_COLUMNS
        return out.astype({"row": "int64", "rule_id": "str"})
    return pd.DataFrame({"row": pd.Series(dtype="int64"), "rule_id": pd.Series(dtype="str")})


class RowValidator:
    """A dataset's row rules, built into pandera schemas once and applied to every batch."""

    def __init__(self, ds: Dataset, ctx: Context):
        self.columns = list(ds.column_names)
        self.column_schema, self.frame_schema, self.frame_columns = build_schemas(ds, ctx)

    def failures(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Every (row index, rule id) where a row rule fails on the typed frame of a batch."""
        found = [_failures(self.column_schema, frame[self.columns])]
        if self.frame_columns:
            found.append(_failures(self.frame_schema, frame[self.frame_columns]))
        return pd.concat(found, ignore_index=True).drop_duplicates(ignore_index=True)


def find_failures(frame: pd.DataFrame, ds: Dataset, ctx: Context) -> pd.DataFrame:
    """Every (row index, rule id) where a row rule fails on the typed frame of a batch."""
    return RowValidator(ds, ctx).failures(frame)
