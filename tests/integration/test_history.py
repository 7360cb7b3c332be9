"""A short generated history run night after night (issue 17): the planted anomalies are
found, the clean series are left alone, and a death delivered on the last night judges a
visit loaded on the first (dq.live_facts, counted in that night's up-to-date score)."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from sample.generate.base import NightSpec
from sample.generate.history import generate_nights
from sample.truth import score_anomalies
from transforms.reference import load

END = date(2026, 11, 24)
NIGHTS = 8
DATASETS = ["facilities", "visits", "births", "immunizations", "deaths"]


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _plant_death(landing: Path, ref_provinces: list[str]) -> tuple[str, str]:
    """Add to the last night's deaths of a province a death, one day before a clean visit
    the first night loaded for the same person. Returns the visit's key."""
    # English headers, comma-separated, utf-8, local dates, visits as CSV (not a claims package)
    prov = ref_provinces[11]
    first = END - timedelta(days=NIGHTS - 1)
    planted = {
        (r["source_file"], r["row_number"])
        for r in csv.DictReader((landing / "_truth" / str(first) / "defects.csv").open())
    }
    visits_file = f"{first}/p{prov}/visits.csv"
    _, visits = _rows(landing / visits_file)
    visit = next(
        v
        for n, v in enumerate(visits, start=1)
        if (visits_file, str(n)) not in planted and v["patient_id"] and v["admitted_at"]
    )
    deaths_path = landing / f"{END}/p{prov}/deaths.csv"
    header, deaths = _rows(deaths_path)
    admitted = datetime.strptime(visit["admitted_at"], "%d/%m/%Y %H:%M")
    death = dict(deaths[0])
    death.update(
        notice_no="BTLIVEFACT01",
        person_id=visit["patient_id"],
        birth_date=visit["birth_date"],
        died_at=(admitted - timedelta(days=1)).strftime("%d/%m/%Y %H:%M"),
    )
    with deaths_path.open("a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, header).writerow(death)
    return visit["facility_code"], visit["visit_id"]


def test_a_short_history(tmp_path, pseudonym_key):
    from flows.nightly import backfill

    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "warehouse.duckdb"
    ref = load()
    _, anomalies = generate_nights(landing, NightSpec(run_date=END, scale=0.2), NIGHTS, ref)
    assert {a.check for a in anomalies} == {
        "volume",
        "value",
        "distribution",
        "schema",
        "indicator_pair",
    }
    facility, visit_id = _plant_death(landing, list(ref.provinces))
    backfill(
        start_date=END - timedelta(days=NIGHTS - 1),
        end_date=END,
        landing=str(landing),
        warehouse=str(warehouse),
        datasets=DATASETS,
    )
    score = score_anomalies(landing, warehouse)
    assert score is not None
    assert score.misses == [] and score.found == score.planted, score.misses
    assert score.judged > 100
    assert score.false_findings <= 1, score.false

    con = duckdb.connect(str(warehouse), read_only=True)
    facts = con.execute(
        "SELECT dataset, record_key, rule_id, fact FROM dq.live_facts WHERE run_date = $d",
        {"d": END},
    ).fetchall()
    assert ("visits", f"{facility}|{visit_id}", "visits.admitted_at.after_death") in [
        f[:3] for f in facts
    ]
    assert all("BTLIVEFACT01" in f[3] or "death notice" in f[3] for f in facts)
    # The first nights give no verdict and say so; the last one judges.
    first, last = con.execute(
        "SELECT sum(no_verdict) FILTER (WHERE run_date = $a), "
        "sum(checked) FILTER (WHERE run_date = $b AND \"check\" = 'volume') "
        "FROM dq.plausibility_summary",
        {"a": END - timedelta(days=NIGHTS - 1), "b": END},
    ).fetchone()
    assert first > 0 and last > 0
    message = con.execute(
        "SELECT message_en FROM dq.anomalies WHERE run_date = $d AND \"check\" = 'volume' "
        "ORDER BY score DESC LIMIT 1",
        {"d": END},
    ).fetchone()[0]
    assert " rows against a median of " in message and " nights, z = " in message
