"""A night with a claims package (DATASETS.md, "kcb: the claims package"): one file delivers
visits, visit_drugs and visit_services; every row's outcome, every dataset's row accounting
on the file, the episode rules (reconciliation, orphan, a quarantined visit taking its
lines) and the lines' place in dq.rules and progress.submissions, as the warehouse shows
them after the real flow."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.factories import row
from tests.integration.test_formats import csv_bytes
from tests.unit.transforms.ingest.test_readers_claims_package import (
    drug_line,
    hoso,
    package,
    service_line,
    table,
)
from tests.unit.transforms.ingest.test_readers_xml import claims_row

pytestmark = pytest.mark.integration

RUN_DATE = date(2026, 11, 24)


def episode(
    i: int,
    *,
    drug_total: str = "60000",
    bed: str = "H012",
    first_order: str = "",
    reg: str = "",
    orphan: bool = False,
) -> str:
    """A visit whose lines add up: 2 drugs (60,000), a supply (400,000), a bed (540,000)."""
    visit = claims_row(i, T_THUOC=drug_total, T_VTYT="400000")
    lk = visit["MA_LK"]
    first = drug_line(lk, 1, **({"NGAY_YL": first_order} if first_order else {}))
    second = drug_line(lk, 2, **({"SO_DANG_KY": reg} if reg else {}))
    drugs = [first, second] + ([drug_line(f"ORPHAN{i}", 3)] if orphan else [])
    services = [
        service_line(lk, 1, "10", "400000"),
        service_line(lk, 2, "15", "540000", MA_GIUONG=bed),
    ]
    xml4 = table("CLS", "CHI_TIET_CLS", [{"MA_LK": lk, "MA_DICH_VU": "01.0001"}])
    return hoso(visit, drugs=drugs, services=services, extra={"XML4": xml4})


def test_a_claims_package_delivers_three_datasets_with_the_episode_rules(tmp_path: Path, night):
    landing = tmp_path / "landing"
    moh, p01 = landing / RUN_DATE.isoformat() / "moh", landing / RUN_DATE.isoformat() / "p01"
    moh.mkdir(parents=True)
    p01.mkdir()
    (moh / "facilities.csv").write_bytes(csv_bytes([row("facilities")]))
    (moh / "practitioners.csv").write_bytes(csv_bytes([row("practitioners")]))
    (moh / "drugs.csv").write_bytes(
        csv_bytes(
            [row("drugs"), row("drugs", registration_no="VD-99999-20", valid_until="2025-01-01")]
        )
    )
    (p01 / "claims.xml").write_bytes(
        package(
            [
                episode(1),
                episode(2, drug_total="70000"),  # T_THUOC ≠ Σ XML2: the visit and its 4 lines
                episode(3, orphan=True),  # a drug line of no XML1 in its HOSO
                episode(4, bed="G12"),  # a bad bed code: the line alone
                episode(5, first_order="202611190800"),  # a drug ordered before admission
                episode(6, reg="VD-99999-20"),  # expired registration: a warning
            ]
        )
    )
    # Drug lines delivered alone (a line file, no package): one of a visit the package
    # delivers tonight, loaded; one of an episode in no visit of the night nor of the
    # warehouse, an orphan.
    (p01 / "visit_drugs.csv").write_bytes(
        csv_bytes(
            [
                row("visit_drugs", visit_id=claims_row(1)["MA_LK"], line_no="7", has_visit=""),
                row("visit_drugs", visit_id="NOVISIT1", line_no="1", has_visit=""),
            ]
        )
    )

    summary, warehouse, restricted = night(landing, RUN_DATE)
    assert summary["status"] == "succeeded"
    lk = {i: claims_row(i)["MA_LK"] for i in range(1, 7)}
    with duckdb.connect(str(warehouse), read_only=True) as wh:
        files = {
            r[0]: r[1:]
            for r in wh.execute(
                "SELECT dataset, status, rows_in, rows_loaded, rows_quarantined, notes "
                "FROM meta.files WHERE source_file LIKE '%claims.xml'"
            ).fetchall()
        }
        alone = wh.execute(
            "SELECT status, rows_in, rows_loaded, rows_quarantined FROM meta.files "
            "WHERE source_file LIKE '%visit_drugs.csv'"
        ).fetchall()
        visits = {r[0] for r in wh.execute("SELECT visit_id FROM core.visits").fetchall()}
        drugs = wh.execute(
            "SELECT visit_id, line_no, registration_no FROM core.visit_drugs ORDER BY ALL"
        ).fetchall()
        services = wh.execute("SELECT count(*) FROM core.visit_services").fetchone()[0]
        rules = {
            r[0]
            for r in wh.execute(
                "SELECT rule_id FROM dq.rules WHERE dataset LIKE 'visit_%'"
            ).fetchall()
        }
        warned = wh.execute(
            "SELECT count(*) FROM dq.rule_results WHERE rule_id = "
            "'visit_drugs.registration_no.valid_on_order' AND rows_failed > 0"
        ).fetchone()[0]
        submissions = {
            (r[0], r[1]): r[2:]
            for r in wh.execute(
                "SELECT source, dataset, expected, status FROM progress.submissions "
                "WHERE dataset LIKE 'visit%'"
            ).fetchall()
        }
        kcb = wh.execute(
            "SELECT rows_received FROM progress.database_scorecard WHERE database_id = 'kcb'"
        ).fetchone()[0]
    with duckdb.connect(str(restricted), read_only=True) as rs:
        quarantined = {
            (r[0], r[1], r[2])
            for r in rs.execute(
                "SELECT dataset, record_key, rule_id FROM quarantine.rows WHERE run_id = ?",
                [summary["run_id"]],
            ).fetchall()
        }

    # One entry per dataset of the package, each with its own accounting.
    assert {ds: f[:4] for ds, f in files.items()} == {
        "visits": ("loaded", 6, 5, 1),
        "visit_drugs": ("loaded", 13, 9, 4),
        "visit_services": ("loaded", 12, 9, 3),
    }
    assert "XML4 × 6" in files["visits"][4]
    assert visits == {lk[i] for i in (1, 3, 4, 5, 6)}
    assert ("visits", f"01001|{lk[2]}", "visits.drug_total.matches_lines") in quarantined
    for line in (1, 2):
        assert (
            "visit_drugs",
            f"01001|{lk[2]}|{line}",
            "visit_drugs.visit_id.parent_quarantined",
        ) in quarantined
        assert (
            "visit_services",
            f"01001|{lk[2]}|{line}",
            "visit_services.visit_id.parent_quarantined",
        ) in quarantined
    assert ("visit_drugs", "01001|ORPHAN3|3", "visit_drugs.visit_id.in_package") in quarantined
    assert alone == [("loaded", 2, 1, 1)]
    assert ("visit_drugs", "01001|NOVISIT1|1", "visit_drugs.visit_id.in_package") in quarantined
    assert (lk[1], 7, "VD-12345-19") in drugs
    assert ("visit_services", f"01001|{lk[4]}|2", "visit_services.bed_code.format") in quarantined
    assert ("visit_drugs", f"01001|{lk[5]}|1", "visit_drugs.ordered_at.within_stay") in quarantined
    assert len(quarantined) == 1 + 2 + 2 + 1 + 1 + 1 + 1
    assert (lk[6], 2, "VD-99999-20") in drugs and warned == 1  # loaded, with its warning
    assert services == 9
    assert {"visit_services.bed_code.format", "visit_drugs.visit_id.parent_quarantined"} <= rules
    # The lines are expected from the province that sent them, not from the others.
    assert submissions[("p01", "visit_drugs")] == (True, "late")  # written today, not on the night
    assert submissions[("p01", "visit_services")] == (True, "late")
    assert ("p04", "visit_drugs") not in submissions
    assert submissions[("p04", "visits")] == (True, "missing")
    assert kcb == 6 + 13 + 12 + 2

    # The next night, a run of one line dataset alone (`--source p01 --dataset visit_drugs`):
    # a line file judged against the warehouse's visits, with no visit staged or quarantined
    # tonight (the night's first dataset reads tonight's quarantine: it must exist, empty).
    after = date(2026, 11, 25)
    p01_after = landing / after.isoformat() / "p01"
    p01_after.mkdir(parents=True)
    (p01_after / "visit_drugs.csv").write_bytes(
        csv_bytes(
            [
                row("visit_drugs", visit_id=lk[3], line_no="8", has_visit=""),
                row("visit_drugs", visit_id="NOVISIT2", line_no="1", has_visit=""),
            ]
        )
    )
    again, _, _ = night(landing, after, sources=["p01"], datasets=["visit_drugs"])
    assert again["status"] == "succeeded"
    with duckdb.connect(str(warehouse), read_only=True) as wh:
        assert wh.execute(
            "SELECT dataset, status, rows_in, rows_loaded, rows_quarantined FROM meta.files "
            "WHERE run_id = ?",
            [again["run_id"]],
        ).fetchall() == [("visit_drugs", "loaded", 2, 1, 1)]
        assert wh.execute(
            "SELECT count(*) FROM core.visit_drugs WHERE visit_id = ? AND line_no = 8", [lk[3]]
        ).fetchone() == (1,)
