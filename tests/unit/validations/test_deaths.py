"""deaths: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

import pytest

DATASET = "deaths"
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


@pytest.mark.parametrize(
    ("sql", "column"),
    [
        ("social_protection.dead_beneficiary", "s.person_id"),
        ("visits.after_death", "s.patient_id"),
    ],
)
def test_rules_against_deaths_compare_pseudonyms_as_the_warehouse_makes_them(sql, column):
    from transforms import sqlfiles
    from transforms.warehouse.schema import pseudonym_sql

    assert pseudonym_sql(column) in "\n".join(
        sqlfiles.SqlFolder("validations.datasets").statements(sql)
    )
