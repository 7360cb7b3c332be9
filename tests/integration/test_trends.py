"""Trends, targets and the quarantine loop on two hand-made nights whose answer is known by
construction: three provinces' visits with planted bad rows and the ministry's facilities.

Night 1 (D1): p01 sends 4 visits, 1 with a bad ICD-10 code; p04 sends 4, 2 bad; p08 sends
4, all clean. Night 2 (D2): p01 re-delivers the bad visit corrected, p04 sends the same 4
(the same 2 still bad), p08 the same 4. So kcb's accurate score goes from 9/12 to 10/12,
p01's quarantined visit is resolved by night 2, and p04's 2 stay open since D1.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.settings import Settings
from tests.factories import facility_row, visit_row
from tests.integration.conftest import run_night
from transforms.reference import load
from transforms.scoring.trends import load_targets

D1, D2 = date(2026, 11, 23), date(2026, 11, 24)
PROVINCES = ("01", "04", "08")
BAD = {(D1, "01"): {3}, (D1, "04"): {1, 2}, (D2, "04"): {1, 2}}  # visit numbers with a bad ICD


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _put(path: Path, data: bytes, night: date) -> None:
    """Write a landing file stamped on the evening of its night (so it is not late)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stamp = datetime(night.year, night.month, night.day, 20, 0).timestamp()
    os.utime(path, (stamp, stamp))


def build_small_landing(root: Path) -> Path:
    """The two nights of the module docstring under `root`; returns `root`."""
    ref = load()
    commune = {
        p: next(c for c, (_, prov) in sorted(ref.communes.items()) if prov == p) for p in PROVINCES
    }
    facilities = [
        facility_row(
            facility_code=f"{p}001",
            province_code=p,
            commune_code=commune[p],
            facility_name=f"Bệnh viện Đa khoa tỉnh {p}",
        )
        for p in PROVINCES
    ]
    for night in (D1, D2):
        _put(
            root / night.isoformat() / "moh" / "facilities.csv",
            _csv([{**f, "updated_at": f"{night} 08:00:00"} for f in facilities]),
            night,
        )
        for p in PROVINCES:
            rows = []
            for n in range(1, 5):
                bad = n in BAD.get((night, p), set())
                rows.append(
                    visit_row(
                        visit_id=f"KB{p}{n:04d}",
                        facility_code=f"{p}001",
                        province_code=p,
                        commune_code=commune[p],
                        icd10_main="XYZ" if bad else "J18.9",
                        updated_at=f"{night} 09:0{n}:00",
                    )
                )
            _put(root / night.isoformat() / f"p{p}" / "visits.csv", _csv(rows), night)
    return root


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory):
    """Both nights run through the real flow; returns (folder, run summaries)."""
    landing = build_small_landing(tmp_path_factory.mktemp("small_landing"))
    folder = tmp_path_factory.mktemp("trends")
    first = run_night(landing, D1, folder / "warehouse.duckdb")
    second = run_night(landing, D2, folder / "warehouse.duckdb")
    return folder, landing, first, second


def _wh(folder: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)


def test_scorecards_carry_the_change_against_earlier_nights(two_nights):
    folder, *_ = two_nights
    with _wh(folder) as wh:
        kcb = wh.execute(
            "SELECT run_date, accurate_pct, overall_pct, delta_1d, delta_7d, delta_30d "
            "FROM progress.database_scorecard WHERE database_id = 'kcb' ORDER BY run_date"
        ).fetchall()
        deltas = wh.execute(
            "SELECT count(*), count(*) FILTER (WHERE abs(t.delta_1d - (t.overall_pct - "
            "y.overall_pct)) < 1e-9) FROM progress.database_scorecard AS t "
            "JOIN progress.database_scorecard AS y ON y.database_id = t.database_id "
            "AND y.run_date = t.run_date - 1 WHERE t.run_date = $d",
            {"d": D2},
        ).fetchone()
        p01 = wh.execute(
            "SELECT run_date, accurate_pct, delta_1d FROM progress.province_scorecard "
            "WHERE province_code = '01' AND database_id = 'kcb' ORDER BY run_date"
        ).fetchall()
    (d1, acc1, overall1, delta1, _, _), (d2, acc2, overall2, delta2, delta7, delta30) = kcb
    assert (d1, d2) == (D1, D2)
    assert acc1 == pytest.approx(100 * 9 / 12) and acc2 == pytest.approx(100 * 10 / 12)
    assert delta1 is None  # no night before the first
    # Only the accurate criterion moved: the overall (mean of four) moves by a quarter of it.
    assert delta2 == pytest.approx(overall2 - overall1)
    assert delta2 == pytest.approx((100 * 10 / 12 - 100 * 9 / 12) / 4)
    assert delta7 is None and delta30 is None
    assert deltas == (12, 12)
    assert p01 == [(D1, pytest.approx(75.0), None), (D2, pytest.approx(100.0), pytest.approx(6.25))]


def test_quarantine_is_resolved_by_a_corrected_redelivery(two_nights):
    folder, _, first, second = two_nights
    with duckdb.connect(str(folder / "restricted.duckdb"), read_only=True) as rs:
        rows = rs.execute(
            "SELECT run_date, source, record_key, resolved_by_run, resolved_on, "
            "resolved_at IS NOT NULL FROM quarantine.rows WHERE dataset = 'visits' "
            "ORDER BY run_date, source, record_key"
        ).fetchall()
    assert rows == [
        (D1, "p01", "01001|KB010003", second["run_id"], D2, True),
        (D1, "p04", "04001|KB040001", None, None, False),
        (D1, "p04", "04001|KB040002", None, None, False),
        (D2, "p04", "04001|KB040001", None, None, False),
        (D2, "p04", "04001|KB040002", None, None, False),
    ]
    assert first["rows_quarantined"] == 3 and second["rows_quarantined"] == 2


def test_open_quarantine_is_counted_per_province_and_database(two_nights):
    folder, *_ = two_nights
    with _wh(folder) as wh:
        got = wh.execute(
            "SELECT run_date, province_code, database_id, open_rows, resolved_rows, "
            "oldest_open_since, oldest_open_days FROM progress.open_quarantine "
            "ORDER BY ALL"
        ).fetchall()
    assert got == [
        (D1, "01", "kcb", 1, 0, D1, 0),
        (D1, "04", "kcb", 2, 0, D1, 0),
        (D2, "01", "kcb", 0, 1, None, None),
        (D2, "04", "kcb", 2, 0, D1, 1),  # the same 2 records, open since night 1
    ]


def test_target_status_says_what_is_on_track(two_nights):
    folder, *_ = two_nights
    with _wh(folder) as wh:
        targets = wh.execute("SELECT count(*) FROM progress.targets").fetchone()[0]
        status = {
            (m, s): (v, t, on, r)
            for m, s, v, t, on, r in wh.execute(
                "SELECT metric, subject, value, target, on_track, rating "
                "FROM progress.target_status "
                "WHERE run_date = $d",
                {"d": D2},
            ).fetchall()
        }
        overall = dict(
            wh.execute(
                "SELECT database_id, overall_pct FROM progress.database_scorecard "
                "WHERE run_date = $d",
                {"d": D2},
            ).fetchall()
        )
        expected = wh.execute(
            "SELECT count(*) FROM progress.submissions WHERE run_date = $d AND expected", {"d": D2}
        ).fetchone()[0]
    assert targets == len(load_targets(Settings().scoring()))
    assert {s for m, s in status if m == "overall_pct"} == set(overall)
    value, target, on_track, rating = status[("overall_pct", "kcb")]
    assert value == pytest.approx(overall["kcb"]) and target == 90.0
    # kcb: 3 of 34 provinces delivered, so sufficiency keeps it far below 75 → red, and with
    # no week of history there is no pace to project: not on track.
    assert value < 75 and rating == "red" and on_track is False
    # No procedures were delivered: nothing to measure, rated no_data.
    assert status[("cost_reduction_pct", "tthc")][2:] == (None, "no_data")
    # Received on time: moh facilities and the 3 provinces' visits, of every expected delivery.
    assert status[("on_time_delivery_pct", "all")][0] == pytest.approx(100 * 4 / expected)


def test_rerunning_a_night_replaces_its_rows(two_nights):
    folder, landing, *_ = two_nights

    def snapshot():
        with _wh(folder) as wh:
            return {
                t: wh.execute(f"SELECT * FROM progress.{t} ORDER BY ALL").fetchall()
                for t in (
                    "database_scorecard",
                    "province_scorecard",
                    "target_status",
                    "open_quarantine",
                )
            }

    before = snapshot()
    run_night(landing, D2, folder / "warehouse.duckdb")
    assert snapshot() == before
