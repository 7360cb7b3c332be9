"""Row-check building blocks for the population datasets (births, deaths, immunisation,
social protection, food safety, procedures). Like `validations.checks`, every function
returns a boolean Series that is True where the row passes, and missing inputs pass."""

from __future__ import annotations

import pandas as pd

from validations.checks import either_missing, passes


def at_least(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """`later` is on or after `earlier` (by value; dates compare with datetimes)."""
    return passes(later >= earlier) | either_missing(later, earlier)


def whole_years(born: pd.Series, on: pd.Series | pd.Timestamp) -> pd.Series:
    """Completed years of age on a date (NA where either date is missing)."""
    born = pd.to_datetime(born)
    on = pd.to_datetime(on) if isinstance(on, pd.Series) else pd.Series(pd.Timestamp(on),
                                                                         index=born.index)
    had_birthday = (on.dt.month > born.dt.month) | (
        (on.dt.month == born.dt.month) & (on.dt.day >= born.dt.day))
    years = on.dt.year - born.dt.year - (~had_birthday).astype("Int64")
    return years.where(born.notna() & on.notna())


def age_between(born: pd.Series, on: pd.Series, low: int, high: int) -> pd.Series:
    """Aged `low` to `high` years (inclusive) on the date `on`."""
    age = whole_years(born, on)
    return passes((age >= low) & (age <= high)) | age.isna()


def required_when(value: pd.Series, condition: pd.Series,
                  raw: pd.Series | None = None) -> pd.Series:
    """`value` is given where `condition` holds (an unreadable delivered value counts as
    given: it fails `format`, not this rule)."""
    given = value.notna() if raw is None else value.notna() | raw.notna()
    return passes(~condition.fillna(False).astype(bool) | given)


def implies(condition: pd.Series, consequence: pd.Series) -> pd.Series:
    """Where `condition` is true, `consequence` is true (missing either: passes)."""
    ok = ~condition.astype("boolean") | consequence.astype("boolean")
    return passes(ok)


def same_truth(a: pd.Series, b: pd.Series) -> pd.Series:
    """Two yes/no values agree (missing either: passes)."""
    return passes(a.astype("boolean") == b.astype("boolean"))
