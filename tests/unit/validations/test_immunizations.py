"""immunizations: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

import pytest

from tests.factories import failures
from tests.factories_population import immunization_row
from validations.registry import DATASETS

DATASET = "immunizations"
BROKEN = [
    ("immunizations.record_id.required", {"record_id": ""}),
    ("immunizations.person_id.structure", {"person_id": "12AB5"}),
    ("immunizations.person_id.not_junk", {"person_id": "111111111111"}),
    ("immunizations.birth_date.required", {"birth_date": ""}),
    ("immunizations.birth_date.format", {"birth_date": "32/13/2025"}),
    ("immunizations.birth_date.matches_id", {"birth_date": "2022-03-02"}),
    ("immunizations.vaccine_code.required", {"vaccine_code": ""}),
    ("immunizations.vaccine_code.allowed", {"vaccine_code": "COVID19"}),
    ("immunizations.dose_number.required", {"dose_number": ""}),
    ("immunizations.dose_number.format", {"dose_number": "hai"}),
    ("immunizations.dose_number.range", {"dose_number": "6"}),
    ("immunizations.dose_number.range", {"dose_number": "0"}),
    ("immunizations.vaccinated_on.required", {"vaccinated_on": ""}),
    ("immunizations.vaccinated_on.format", {"vaccinated_on": "32/13/2025"}),
    ("immunizations.vaccinated_on.after_birth", {"vaccinated_on": "2025-03-01"}),
    ("immunizations.vaccinated_on.not_future", {"vaccinated_on": "2027-01-01"}),
    ("immunizations.facility_code.required", {"facility_code": ""}),
    ("immunizations.province_code.required", {"province_code": ""}),
    ("immunizations.province_code.valid", {"province_code": "99"}),
    ("immunizations.commune_code.required", {"commune_code": ""}),
    ("immunizations.commune_code.in_province", {"commune_code": "26734"}),
    ("immunizations.updated_at.required", {"updated_at": ""}),
    ("immunizations.updated_at.format", {"updated_at": "hôm nay"}),
    ("immunizations.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}),
    ("immunizations.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}),
]
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_valid_row_passes_every_rule(ctx_for, ref):
    assert failures(DATASET, [immunization_row()], ctx_for("province"), ref) == [set()]


@pytest.mark.parametrize(
    ("rule_id", "overrides"), BROKEN, ids=[f"{b[0]}:{i}" for i, b in enumerate(BROKEN)]
)
def test_a_broken_row_fails_its_rule(rule_id, overrides, ctx_for, ref):
    [found] = failures(DATASET, [immunization_row(**overrides)], ctx_for("province"), ref)
    assert rule_id in found


def test_every_row_rule_is_exercised():
    row_rules = {r.id for r in DATASETS[DATASET].rules if r.kind == "row"}
    assert row_rules - {rule_id for rule_id, _ in BROKEN} - NOT_ALONE == set()


def test_a_newborn_without_id_passes(ctx_for, ref):
    row = immunization_row(
        person_id="", vaccine_code="viêm gan b", dose_number="1", vaccinated_on="02/03/2025"
    )
    assert failures(DATASET, [row], ctx_for("province"), ref) == [set()]


def _dose_rule_flags(rows, errors=()):
    """Run the dose-consistency SQL on staged (province, vaccine, dose) rows; `errors` are
    row numbers an error rule already failed. Returns the flagged row numbers."""
    import duckdb

    from transforms import sqlfiles

    ds = DATASETS[DATASET]
    con = duckdb.connect()
    # Only what the rule reads: the staged rows, earlier failures and the rules' severities.
    con.execute(
        "CREATE TABLE stg_immunizations (_file_id INTEGER, _row BIGINT, "
        "province_code VARCHAR, vaccine_code VARCHAR, dose_number BIGINT)"
    )
    con.execute(
        "CREATE TABLE stg_failures (dataset VARCHAR, _file_id INTEGER, _row BIGINT, "
        "rule_id VARCHAR)"
    )
    con.execute("CREATE TABLE stg_rules AS SELECT 'x.error' AS rule_id, 'error' AS severity")
    for n, (prov, vaccine, dose) in enumerate(rows):
        con.execute(
            "INSERT INTO stg_immunizations VALUES (1, ?, ?, ?, ?)", [n, prov, vaccine, dose]
        )
    for n in errors:
        con.execute("INSERT INTO stg_failures VALUES ('immunizations', 1, ?, 'x.error')", [n])
    rule = next(r for r in ds.rules if r.id == "immunizations.doses.consistent")
    sqlfiles.SqlFolder("validations.datasets").run(
        con, rule.sql, {"dataset": DATASET, "rule_id": rule.id, "run_date": None}
    )
    return sorted(
        r[0]
        for r in con.execute(
            "SELECT _row FROM stg_failures WHERE rule_id = ?", [rule.id]
        ).fetchall()
    )


def test_more_second_doses_than_first_flags_the_second_doses():
    rows = [
        ("01", "OPV", 1),
        ("01", "OPV", 2),
        ("01", "OPV", 2),
        ("01", "BCG", 1),
        ("04", "OPV", 2),
        ("04", "OPV", 1),
        ("04", "OPV", 1),
    ]
    assert _dose_rule_flags(rows) == [1, 2]


def test_dose_consistency_counts_only_rows_without_errors():
    rows = [("01", "OPV", 1), ("01", "OPV", 1), ("01", "OPV", 2), ("01", "OPV", 3)]
    assert _dose_rule_flags(rows) == []
    assert _dose_rule_flags(rows, errors=[0, 1]) == [2]
