"""The context rules are checked in: the night's reference times and code lists."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from transforms.reference import Reference
from validations.model import Context


def make_context(
    run_date: date,
    delivered_by: str,
    ref: Reference,
    *,
    freshness_days_province: int = 2,
    freshness_days_moh: int = 31,
    future_tolerance_days: int = 1,
    elderly_age: int = 75,
) -> Context:
    """Times are local (Asia/Ho_Chi_Minh), naive. "Future" is after the end of the night
    plus a tolerance; "fresh" is updated within the window before the end of the night."""
    end_of_night = datetime.combine(run_date + timedelta(days=1), time.min)
    window = freshness_days_province if delivered_by == "province" else freshness_days_moh
    return Context(
        run_date=run_date,
        as_of=end_of_night + timedelta(days=future_tolerance_days),
        fresh_after=end_of_night - timedelta(days=window),
        province_codes=frozenset(ref.provinces),
        old_province_codes=frozenset(ref.crosswalk),
        commune_province=ref.commune_province,
        elderly_age=elderly_age,
    )
