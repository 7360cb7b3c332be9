"""Each prescriptions row rule: a valid row passes, and a row made to break it fails it; and
the set rules against the practitioners and drugs registers, run in SQL on a small
in-memory warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.factories import failures, row
from transforms import sqlfiles
from transforms.warehouse import loading, segments
from transforms.warehouse.modes import ANALYSTS
from transforms.warehouse.schema import stage_table_sql
from validations.registry import DATASETS


@pytest.mark.parametrize("kind", ["N", "H", "C", "T"])
def test_every_kind_of_prescription_passes(kind, ctx_for, ref):
    case = row("prescriptions", prescription_code=f"01001ab12cd3-{kind}")
    assert failures("prescriptions", [case], ctx_for("province"), ref) == [set()]


def test_days_supply_is_optional_and_90_is_allowed(ctx_for, ref):
    rows = [row("prescriptions", days_supply=""), row("prescriptions", days_supply="90")]
    assert failures("prescriptions", rows, ctx_for("province"), ref) == [set(), set()]


# --- set rules, in SQL ---------------------------------------------------------------------

LICENCES = [
    ("001234/BYT-CCHN", "active"),
    ("002222/HNO-CCHN", "suspended"),
    ("003333/HCM-GPHN", "revoked"),
]
REGISTRATIONS = [("VD-12345-19", date(2028, 12, 31)), ("893110123423", date(2026, 11, 22))]
FACILITIES = ["01001"]


def _set_rule_failures(staged: list[dict], store: Path) -> list[set[str]]:
    """Stage `staged` prescriptions against a tiny warehouse and run the set rules."""
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS wh")
    sqlfiles.SqlFolder("transforms.warehouse").run(con, "ddl_warehouse")
    sqlfiles.SqlFolder("transforms.warehouse").run(con, "stg_scratch")
    segments.install_stores(con, {"wh": (store, ANALYSTS)})
    for name in ("facilities", "practitioners", "drugs", "prescriptions"):
        loading.ensure_core_table(con, DATASETS[name])
    con.execute(stage_table_sql(DATASETS["prescriptions"]))
    # core.<dataset> is a view over segments: the registers arrive as one segment each.
    registers = {
        "facilities": ("facility_code VARCHAR", [(f,) for f in FACILITIES]),
        "practitioners": ("license_no VARCHAR, status VARCHAR", LICENCES),
        "drugs": ("registration_no VARCHAR, valid_until DATE", REGISTRATIONS),
    }
    for name, (columns, rows) in registers.items():
        con.execute(f"CREATE TEMP TABLE reg_{name} ({columns})")
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"INSERT INTO reg_{name} VALUES ({marks})", [list(r) for r in rows])
        segments.append(con, segments.core(name), name, "r0", f"FROM reg_{name}")
    for i, given in enumerate(staged, start=1):
        con.execute(
            "INSERT INTO stg_prescriptions (_file_id, _row, prescription_code, facility_code, "
            "prescriber_license_no, issued_at, drug_registration_no, _required_filled) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, 0)",
            [
                i,
                f"01001ab12cd{i}-N",
                given.get("facility_code", "01001"),
                given.get("prescriber_license_no", "001234/BYT-CCHN"),
                given.get("issued_at", "2026-11-20 09:00:00"),
                given.get("drug_registration_no", "VD-12345-19"),
            ],
        )
    loading.apply_set_rules(con, DATASETS["prescriptions"], date(2026, 11, 24))
    out: list[set[str]] = [set() for _ in staged]
    for staged_row, rule_id in con.execute("SELECT _row, rule_id FROM stg_failures").fetchall():
        out[staged_row - 1].add(rule_id)
    return out


SET_CASES = [
    ({}, set()),
    ({"facility_code": "01999"}, {"prescriptions.facility_code.exists"}),
    ({"prescriber_license_no": "009999/HNO-CCHN"}, {"prescriptions.prescriber_license_no.exists"}),
    ({"prescriber_license_no": "002222/HNO-CCHN"}, {"prescriptions.prescriber_license_no.active"}),
    ({"prescriber_license_no": "003333/HCM-GPHN"}, {"prescriptions.prescriber_license_no.active"}),
    ({"drug_registration_no": "VD-99999-19"}, {"prescriptions.drug_registration_no.exists"}),
    ({"drug_registration_no": "893110123423", "issued_at": "2026-11-22 23:30:00"}, set()),
    (
        {"drug_registration_no": "893110123423", "issued_at": "2026-11-23 00:10:00"},
        {"prescriptions.drug_registration_no.valid_on_issue"},
    ),
    ({"drug_registration_no": "893110123423", "issued_at": None}, set()),
]


def test_set_rules_against_the_registers(tmp_path):
    found = _set_rule_failures([row for row, _ in SET_CASES], tmp_path / "warehouse.segments")
    assert found == [expected for _, expected in SET_CASES]


def test_an_expired_registration_only_warns():
    rule = next(
        r
        for r in DATASETS["prescriptions"].rules
        if r.id == "prescriptions.drug_registration_no.valid_on_issue"
    )
    assert (rule.criterion, rule.severity, rule.kind) == ("up_to_date", "warning", "sql")
