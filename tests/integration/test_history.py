"""A short generated history run night after night (issue 17): the planted anomalies are
found, the clean series are left alone, and a death delivered on the last night judges a
visit loaded on the first (dq.live_facts, counted in that night's up-to-date score), and a
partial re-run of the last night with a source's late file recomputes that source's
aggregates from all its files of the night."""

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


def _add_late_visits(landing: Path, prov: str, k: int) -> int:
    """A second visits file for the last night of `prov`: copies of its first `k` visits
    with new ids. Returns how many rows it holds."""
    header, visits = _rows(landing / f"{END}/p{prov}/visits.csv")
    late = [dict(v, visit_id=f"{v['visit_id']}L") for v in visits[:k]]
    with (landing / f"{END}/p{prov}/visits__late.csv").open(
        "w", encoding="utf-8", newline=""
    ) as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(late)
    return len(late)


def _plain_visits(landing: Path, prov: str) -> bool:
    """The province's last-night visits are one UTF-8, comma-separated, English-headed CSV."""
    path = landing / f"{END}/p{prov}/visits.csv"
    try:
        return path.is_file() and "visit_id" in _rows(path)[0]
    except UnicodeDecodeError:
        return False


def _stats(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[float, int]]:
    return {
        m: (v, n)
        for m, v, n in con.execute(
            "SELECT metric, value, n FROM dq.night_stats WHERE run_date = $d AND source = $s "
            "AND dataset = 'visits'",
            {"d": END, "s": source},
        ).fetchall()
    }


def test_a_short_history(tmp_path, pseudonym_key):
    from flows.nightly import backfill, nightly

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
    # The three layout plants of births (a column added, the header moved under a title
    # block, the data sheet renamed and moved) are each found as their kind of change.
    assert score.by_check["schema"] == (3, 3)
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
    moved = dict(
        con.execute(
            "SELECT change, detail FROM dq.schema_changes WHERE run_date = $d "
            "AND change IN ('header_moved', 'sheet_changed')",
            {"d": END},
        ).fetchall()
    )
    assert "header row moved from row 1 to row 3" in moved["header_moved"]
    assert "from “Data” (position 1) to “Số liệu” (position 2)" in moved["sheet_changed"]
    assert moved["sheet_changed"].startswith("trang tính dữ liệu đổi")
    # The first nights give no verdict and say so; the last one judges.
    first, last = con.execute(
        "SELECT sum(no_verdict) FILTER (WHERE run_date = $a), "
        "sum(checked) FILTER (WHERE run_date = $b AND \"check\" = 'volume') "
        "FROM dq.plausibility_summary",
        {"a": END - timedelta(days=NIGHTS - 1), "b": END},
    ).fetchone()
    assert first > 0 and last > 0
    # No source's visits carry KET_QUA_DTRI here: the deaths/visits pair is not judged, and
    # not counted as lacking history either.
    assert con.execute(
        "SELECT coalesce(sum(checked + no_verdict), 0) FROM dq.plausibility_summary "
        "WHERE dataset = 'facility_deaths_visits'"
    ).fetchone() == (0,)
    message = con.execute(
        "SELECT message_en FROM dq.anomalies WHERE run_date = $d AND \"check\" = 'volume' "
        "ORDER BY score DESC LIMIT 1",
        {"d": END},
    ).fetchone()[0]
    assert " rows against a median of " in message and " nights, z = " in message

    # A partial re-run of the last night with a late file of one source: its aggregates
    # count both files of the night, not the late one only; other sources keep theirs.
    # A province with English-headed CSV visits and no planted anomaly (those use 2 to 11).
    prov, neighbour = [p for p in list(ref.provinces)[12:] if _plain_visits(landing, p)][:2]
    before = _stats(con, f"p{prov}")
    other = _stats(con, f"p{neighbour}")
    layouts = con.execute(
        "SELECT count(*) FROM dq.file_layouts WHERE run_date = $d AND source = $s",
        {"d": END, "s": f"p{prov}"},
    ).fetchone()[0]
    con.close()
    added = _add_late_visits(landing, prov, 5)
    nightly(
        run_date=END,
        landing=str(landing),
        warehouse=str(warehouse),
        sources=[f"p{prov}"],
        datasets=["visits"],
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    after = _stats(con, f"p{prov}")
    assert after["rows"][0] == before["rows"][0] + added
    # Medians and shares over both files: more rows than the late file's (the first file's
    # quarantined rows are not in core, so at most as many as before plus the late ones).
    sex = next(m for m in before if m.startswith("share:sex="))
    for metric in ("median:total_cost", sex):
        assert added < after[metric][1] <= before[metric][1] + added, metric
    assert _stats(con, f"p{neighbour}") == other
    assert (
        con.execute(
            "SELECT count(*) FROM dq.file_layouts WHERE run_date = $d AND source = $s",
            {"d": END, "s": f"p{prov}"},
        ).fetchone()[0]
        == layouts + 1
    )
