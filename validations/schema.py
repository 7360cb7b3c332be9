"""Build pandera schemas from a dataset's description and run their checks on each batch.

Every row rule is a pandera `Check`: rules that read one column are column checks, rules
that read several are frame checks on a projection holding only the columns they need.
The schemas are the data dictionary (columns, titles, descriptions) and what the tests
validate against.

A batch is checked by calling each check through pandera's check backend
(`Check.__call__`, which returns the boolean `check_output` per row) instead of
`DataFrameSchema.validate(lazy=True)`: we need only (row, rule id), while `validate` builds
a failure report per failing cell (values turned to text, reshaped, deduplicated), which on
a dirty batch cost four times more than the checks themselves. Both apply the same checks
to the same data; `tests/unit/validations/test_schema.py` holds them equal.
"""

from __future__ import annotations

import logging

import numpy as np
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


def _no_failures() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype="int64"), "rule_id": pd.Series(dtype="str")})


def _failing_rows(check: pa.Check, obj: pd.Series | pd.DataFrame, where: str) -> np.ndarray:
    """Positions of the rows where `check` fails on `obj` (a column or a projection)."""
    output = check(obj).check_output
    if not isinstance(output, pd.Series) or not output.index.equals(obj.index):
        # A rule must answer per row: a scalar or a misaligned answer is a bug in the rule.
        raise RuntimeError(f"{where}: check {check.name} did not return one boolean per row")
    return np.flatnonzero(~output.to_numpy(dtype=bool, na_value=False))


class RowValidator:
    """A dataset's row rules, built into pandera schemas once and applied to every batch."""

    def __init__(self, ds: Dataset, ctx: Context):
        self.columns = list(ds.column_names)
        self.column_schema, self.frame_schema, self.frame_columns = build_schemas(ds, ctx)

    def failures(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Every (row index, rule id) where a row rule fails on the typed frame of a batch.
        Row indexes are the frame's own (a batch has a RangeIndex)."""
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise RuntimeError(f"{self.column_schema.name}: batch lacks columns {missing}")
        rows: list[np.ndarray] = []
        rule_ids: list[str] = []
        for name, column in self.column_schema.columns.items():
            for check in column.checks:
                found = _failing_rows(check, frame[name], self.column_schema.name)
                rows.append(found)
                rule_ids += [check.name] * len(found)
        if self.frame_columns:
            projection = frame[self.frame_columns]
            for check in self.frame_schema.checks:
                found = _failing_rows(check, projection, self.frame_schema.name)
                rows.append(found)
                rule_ids += [check.name] * len(found)
        if not rule_ids:
            return _no_failures()
        out = pd.DataFrame(
            {
                "row": frame.index.to_numpy()[np.concatenate(rows)].astype("int64"),
                "rule_id": pd.Series(rule_ids, dtype="str"),
            }
        )
        return out.drop_duplicates(ignore_index=True)

    def failures_by_schema(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The same answer through `DataFrameSchema.validate(lazy=True)`: the reference the
        fast path is tested against."""
        found = [_schema_failures(self.column_schema, frame[self.columns])]
        if self.frame_columns:
            found.append(_schema_failures(self.frame_schema, frame[self.frame_columns]))
        return pd.concat(found, ignore_index=True).drop_duplicates(ignore_index=True)


def _schema_failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases: pd.DataFrame = exc.failure_cases
        broken = cases[cases["index"].isna()]
        if len(broken):
            # Not a data failure: a check raised, or the frame lacks a column. A bug.
            raise RuntimeError(f"{schema.name}: schema could not be applied:\n{broken}") from exc
        out = cases[["index", "check"]].drop_duplicates()
        out.columns = FAILURE_COLUMNS
        return out.astype({"row": "int64", "rule_id": "str"})
    return _no_failures()


def find_failures(frame: pd.DataFrame, ds: Dataset, ctx: Context) -> pd.DataFrame:
    """Every (row index, rule id) where a row rule fails on the typed frame of a batch."""
    return RowValidator(ds, ctx).failures(frame)
