"""Rules a description opts into when it holds a person's CCCD beside what the CCCD
encodes: digit 4 the sex (and century), digits 4–6 the birth year. One builder each, so
the check, criterion, severity and wording are written once for every dataset."""

from __future__ import annotations

from validations import checks
from validations.model import Rule

_BIRTH_VI = "Năm sinh không khớp với chữ số 4–6 của số CCCD"
_SEX_VI = "Giới tính không khớp với chữ số thứ 4 của số CCCD"


def birth_year_matches_id(
    dataset: str,
    id_column: str,
    date_column: str,
    *,
    broken: str,
    vi: str = _BIRTH_VI,
    en: str | None = None,
) -> Rule:
    """`<dataset>.<date_column>.matches_id`: the birth date's year agrees with the CCCD in
    `id_column`. `broken` is a birth date that disagrees with the description's example
    row (the rule's breaker); `vi`/`en` name whose CCCD where it is not the row's person."""
    return Rule(
        f"{dataset}.{date_column}.matches_id",
        "accurate",
        "error",
        vi,
        en or f"{date_column} does not agree with digits 4–6 of the CCCD",
        (id_column, date_column),
        check=lambda df, ctx: checks.cccd_agrees_with_birth_year(df[id_column], df[date_column]),
        breaks=lambda row, ctx: {date_column: broken},
    )


def sex_matches_id(dataset: str, id_column: str, *, broken: str, sex_column: str = "sex") -> Rule:
    """`<dataset>.<sex_column>.matches_id`: the sex agrees with digit 4 of the CCCD in
    `id_column`. `broken` is a sex that disagrees with the description's example row."""
    return Rule(
        f"{dataset}.{sex_column}.matches_id",
        "accurate",
        "error",
        _SEX_VI,
        f"{sex_column} does not agree with digit 4 of the CCCD",
        (id_column, sex_column),
        check=lambda df, ctx: checks.cccd_agrees_with_sex(df[id_column], df[sex_column]),
        breaks=lambda row, ctx: {sex_column: broken},
    )
