"""A generated night of the population datasets (food safety, immunisation, births, deaths,
social protection, procedures) through the real flow: every rule fires, the planted truth
is recovered, deliveries are judged honestly and the procedures progress adds up."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from sample.generate.night import NightSpec, generate
from sample.truth import score
from transforms.reference import load
from validations.registry import DATASETS

RUN_DATE = date(2026, 11, 24)
OURS = (
    "food_establishments",
    "immunizations",
    "births",
    "deaths",
    "social_protection",
    "procedures",
    "procedure_status",
)
# What the night loads: ours, and what they reference or are checked with.
RUN = (*OURS, "facilities", "visits")
EXTRA_RULES = {"visits.admitted_at.after_death"}


def _keep_truth_of(landing: Path, datasets) -> None:
    """Score only the datasets the run loads: drop the other generators' truth."""
    truth = landing / "_truth" / RUN_DATE.isoformat()
    for name, dataset_of in (
        ("defects.csv", lambda r: r["dataset"]),
        ("files.csv", lambda r: r["source_file"].split("/")[-1].split(".")[0].split("__")[0]),
    ):
        with (truth / name).open(encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            fields, rows = reader.fieldnames, list(reader)
        # A run for some datasets leaves other datasets' files (even stray ones) unseen; a
        # claims package delivers visits (and their lines).
        kept = [
            r
            for r in rows
            if dataset_of(r) in datasets or (dataset_of(r) == "claims" and "visits" in datasets)
        ]
        with (truth / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(kept)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    spec = NightSpec(run_date=RUN_DATE, scale=0.5, seed=11, error_rate=0.15, warning_rate=0.1)
    generate(out, spec, load())
    _keep_truth_of(out, RUN)
    return out


def _truth(landing: Path, name: str) -> list[dict]:
    with (landing / "_truth" / RUN_DATE.isoformat() / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_population_night(landing, night):
    """One real night (they cost minutes), then what an analyst and the truth see."""
    summary, warehouse, restricted = night(landing, RUN_DATE, datasets=list(RUN))
    assert summary["status"] == "succeeded"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        _every_rule_fires(con)
        _deliveries_are_judged_as_planted(con, landing)
        _procedures_progress_matches_the_catalogue(con, landing)
    _truth_is_recovered(landing, warehouse, restricted)

    # Re-running the night (here only the catalogue: a duplicate file) replaces its rows.
    night(landing, RUN_DATE, datasets=["procedures"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM progress.procedures_summary").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM progress.procedures_by_province").fetchone() == (
            34,
        )
        _procedures_progress_matches_the_catalogue(con, landing)


def _every_rule_fires(con) -> None:
    """Every rule of our datasets (and visits-after-death) failed somewhere."""
    ours = {r.id for ds in OURS for r in DATASETS[ds].rules} | EXTRA_RULES
    failed = dict(
        con.execute(
            "SELECT rule_id, sum(rows_failed) FROM dq.rule_results GROUP BY rule_id"
        ).fetchall()
    )
    assert {r for r in ours if not failed.get(r)} == set()


def _truth_is_recovered(landing: Path, warehouse: Path, restricted: Path) -> None:
    """The planted truth is recovered, and nothing else is touched."""
    s = score(landing, RUN_DATE, warehouse, restricted)
    assert s.planted_errors > 500 and s.planted_warnings > 100
    assert s.error_recall >= 0.99, s.misses[:20]
    assert s.warning_recall == 1.0, s.misses[:20]
    assert s.clean_rows_touched == 0, s.false_alarms[:20]
    assert s.files_as_expected == s.files_expected
    assert s.accounting_broken == []


def _deliveries_are_judged_as_planted(con, landing: Path) -> None:
    """Late and missing deliveries show in progress.submissions as planted."""
    planted = {
        (d["source"], d["dataset"]): d["expected_status"] for d in _truth(landing, "deliveries.csv")
    }
    assert {"late", "missing"} <= set(planted.values())
    got = dict(
        ((src, ds), st)
        for src, ds, st in con.execute(
            "SELECT source, dataset, status FROM progress.submissions WHERE run_date = ?",
            [RUN_DATE],
        ).fetchall()
    )
    assert {k: got.get(k) for k in planted} == planted
    ours_received = {k: v for k, v in got.items() if k[1] in OURS and k not in planted}
    assert set(ours_received.values()) == {"received"}


def _procedures_progress_matches_the_catalogue(con, landing: Path) -> None:
    """The summary equals what the catalogue CSV says (rows planted with errors aside)."""
    rel = f"{RUN_DATE.isoformat()}/moh/procedures.csv"
    broken = {
        int(d["row_number"])
        for d in _truth(landing, "defects.csv")
        if d["source_file"] == rel and d["severity"] == "error"
    }
    with (landing / rel).open(encoding="utf-8") as fh:
        rows = [r for n, r in enumerate(csv.DictReader(fh), start=1) if n not in broken]

    def count(pred) -> int:
        return sum(1 for r in rows if pred(r))

    baseline = sum(float(r["baseline_cost"]) for r in rows)
    current = sum(float(r["current_cost"]) for r in rows)
    expected = {
        "total": len(rows),
        "central": count(lambda r: r["level"] == "central"),
        "decentralized": count(lambda r: r["decentralized"] == "true"),
        "portal_eligible": count(lambda r: r["portal_eligible"] == "true"),
        "portal_integrated": count(lambda r: r["portal_integrated"] == "true"),
        "full_online": count(lambda r: r["online_level"] == "full"),
        "partial_online": count(lambda r: r["online_level"] == "partial"),
        "not_online": count(lambda r: r["online_level"] == "none"),
        "standardized": count(lambda r: r["decentralized"] == r["standardized"] == "true"),
    }
    got = con.execute(
        f"SELECT {', '.join(expected)}, cost_reduction_pct, integration_rate_pct "
        "FROM progress.procedures_summary WHERE run_date = ?",
        [RUN_DATE],
    ).fetchall()
    assert len(got) == 1
    *counts, reduction, integration = got[0]
    assert dict(zip(expected, counts, strict=True)) == expected
    assert reduction == pytest.approx(100 * (1 - current / baseline))
    assert integration == pytest.approx(
        100 * expected["portal_integrated"] / expected["portal_eligible"]
    )

    by_province = con.execute(
        "SELECT province_code, decentralized, implemented, portal_connected "
        "FROM progress.procedures_by_province WHERE run_date = ?",
        [RUN_DATE],
    ).fetchall()
    assert len(by_province) == 34
    assert {d for _, d, _, _ in by_province} == {expected["decentralized"]}
    reported = dict(
        con.execute(
            "SELECT province_code, count(*) FILTER (WHERE implemented) "
            "FROM core.procedure_status GROUP BY ALL"
        ).fetchall()
    )
    assert {p: i for p, _, i, _ in by_province} == {
        p: reported.get(p, 0) for p, _, _, _ in by_province
    }


def test_the_catalogue_has_november_2025_proportions_at_scale_1(tmp_path):
    generate(tmp_path, NightSpec(run_date=RUN_DATE), load())
    rel = tmp_path / RUN_DATE.isoformat() / "moh" / "procedures.csv"
    broken = {
        int(d["row_number"])
        for d in csv.DictReader(
            (tmp_path / "_truth" / RUN_DATE.isoformat() / "defects.csv").open(encoding="utf-8")
        )
        if d["dataset"] == "procedures" and d["severity"] == "error"
    }
    with rel.open(encoding="utf-8") as fh:
        rows = [r for n, r in enumerate(csv.DictReader(fh), start=1) if n not in broken]
    assert len(rows) == 282
    assert sum(r["portal_eligible"] == "true" for r in rows) == 117
    assert sum(r["decentralized"] == "true" for r in rows) == 165
