"""immunizations: a valid row passes every row rule; a row made to break a rule fails it."""

from __future__ import annotations

from tests.factories import failures, row
from validations.registry import DATASETS

DATASET = "immunizations"
# Rules a row cannot break apart from another one of the list (a required parsed column is
# also `format`), or that are not row rules.
NOT_ALONE: set[str] = set()


def test_a_newborn_without_id_passes(ctx_for, ref):
    case = row(
        "immunizations",
        person_id="",
        vaccine_code="viêm gan b",
        dose_number="1",
        vaccinated_on="02/03/2025",
    )
    assert failures(DATASET, [case], ctx_for("province"), ref) == [set()]


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
