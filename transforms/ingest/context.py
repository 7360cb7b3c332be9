"""The context rules are checked in: the night's reference times and code lists."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from transforms.reference import Reference
from validations.model import Context, RuleSettings


def make_context(run_date: date, delivered_by: str, ref: Reference, rules: RuleSettings) -> Context:
    """Times are local (`validations.model.LOCAL_TZ`), naive. "Future" is after the end of the
    night plus the configured tolerance; "fresh" is updated within the deliverer's configured
    window before the end of the night."""
    end_of_night = datetime.combine(run_date + timedelta(days=1), time.min)
    return Context(
        run_date=run_date,
        as_of=end_of_night + timedelta(days=rules.future_tolerance_days),
        fresh_after=end_of_night - timedelta(days=rules.freshness_days(delivered_by)),
        province_codes=frozenset(ref.provinces),
        old_province_codes=frozenset(ref.crosswalk),
        commune_province=ref.commune_province,
        commune_successor=ref.commune_successor,
        communes_divided=ref.communes_divided,
        elderly_age=rules.elderly_age,
    )
