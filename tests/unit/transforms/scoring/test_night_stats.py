"""A dataset's night aggregates (dq.night_stats) from one statement over its staged rows:
rows per source, medians with their standard error, durations, shares and indicator counts,
on a small stage in a real DuckDB, against values worked out by hand."""

from __future__ import annotations

import math
from datetime import date, datetime

import duckdb
import pytest

from transforms.scoring import plausibility

RUN_DATE = date(2026, 11, 24)


def _stage(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ATTACH ':memory:' AS wh")
    con.execute("CREATE SCHEMA wh.meta")
    con.execute("CREATE SCHEMA wh.dq")
    con.execute(
        "CREATE TABLE wh.meta.files (run_date DATE, dataset VARCHAR, status VARCHAR, "
        "source_file VARCHAR, source_current VARCHAR, province_code VARCHAR, rows_in BIGINT)"
    )
    con.execute(
        "CREATE TABLE stg_files (_file_id INTEGER, source_file VARCHAR, source VARCHAR, "
        "province_code VARCHAR, dataset VARCHAR, header_row INTEGER, sheet_name VARCHAR, "
        "sheet_index INTEGER)"
    )
    con.executemany(
        "INSERT INTO stg_files VALUES (?, ?, ?, ?, 'visits', 1, NULL, NULL)",
        [(1, "p01/visits.csv", "p01", "01"), (2, "p02/visits.csv", "p02", "02")],
    )
    con.execute(
        "CREATE TABLE stg_visits (_file_id INTEGER, _row BIGINT, total_cost DOUBLE, "
        "admitted_at TIMESTAMP, discharged_at TIMESTAMP, visit_type VARCHAR, sex VARCHAR, "
        "province_code VARCHAR, treatment_result VARCHAR)"
    )
    day = datetime(2026, 11, 20)
    rows = [
        # p01: a 1-day and a 2-day stay, one discharged before admission, one unknown
        (1, 1, 100, day, datetime(2026, 11, 21), "01", "M", "01", "5"),
        (1, 2, 200, day, datetime(2026, 11, 22), "01", "F", "01", None),
        (1, 3, 400, day, datetime(2026, 11, 19), "02", "M", "01", "1"),
        (1, 4, None, None, day, None, "M", "01", "5"),
        # p02: no treatment_result delivered: no count of visit deaths
        (2, 1, 50, day, day, "03", "F", "02", None),
    ]
    con.executemany("INSERT INTO stg_visits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "CREATE TEMP VIEW stg_raw AS SELECT * FROM (VALUES "
        '(1, 1::BIGINT, \'{"a": 1, "b": 2}\'::JSON), (2, 1::BIGINT, \'{"b": 1}\'::JSON)) '
        "AS t(_file_id, _row, _raw)"
    )
    plausibility.ensure_tables(con)  # as the night does when it opens


def test_one_statement_gives_every_aggregate_of_the_night():
    con = duckdb.connect()
    _stage(con)
    plausibility.record_night_stats(con, "visits", "run1", RUN_DATE, plausibility.load_config())
    got = {
        (s, m): (p, v, n, se)
        for s, p, m, v, n, se in con.execute(
            "SELECT source, province_code, metric, value, n, median_se FROM wh.dq.night_stats "
            "WHERE run_date = $d AND dataset = 'visits'",
            {"d": RUN_DATE},
        ).fetchall()
    }
    expected = {
        ("p01", "rows"): ("01", 4, 4, None),
        ("p02", "rows"): ("02", 1, 1, None),
        # ranks 1..3 of 100, 200, 400: se = (v[3] − v[1]) / 2
        ("p01", "median:total_cost"): ("01", 200, 3, 150),
        ("p02", "median:total_cost"): ("02", 50, 1, 0),
        # 1 and 2 days (the negative stay and the unknown one left out)
        ("p01", "median:length_of_stay_days"): ("01", 1.5, 2, 0.5),
        ("p02", "median:length_of_stay_days"): ("02", 0, 1, 0),
        ("p01", "share:visit_type=01"): ("01", 2 / 3, 3, None),
        ("p01", "share:visit_type=02"): ("01", 1 / 3, 3, None),
        ("p02", "share:visit_type=03"): ("02", 1, 1, None),
        ("p01", "share:sex=M"): ("01", 0.75, 4, None),
        ("p01", "share:sex=F"): ("01", 0.25, 4, None),
        ("p02", "share:sex=F"): ("02", 1, 1, None),
        ("p01", "count:visit_deaths"): ("01", 2, 4, None),
    }
    assert got.keys() == expected.keys()
    for key, (province, value, n, se) in expected.items():
        assert got[key][:3] == (province, pytest.approx(value), n), key
        assert got[key][3] == (None if se is None else pytest.approx(se)), key
    layouts = con.execute(
        "SELECT source_file, columns FROM wh.dq.file_layouts ORDER BY source_file"
    ).fetchall()
    assert layouts == [("p01/visits.csv", ["a", "b"]), ("p02/visits.csv", ["b"])]
    # night_rows is the statement's scratch: gone once the aggregates are kept
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'night_rows'"
    ).fetchone() == (0,)


def test_a_dataset_without_aggregates_keeps_its_rows_only():
    con = duckdb.connect()
    _stage(con)
    config = plausibility.Config()
    plausibility.record_night_stats(con, "visits", "run1", RUN_DATE, config)
    assert con.execute(
        "SELECT source, metric, value FROM wh.dq.night_stats ORDER BY source"
    ).fetchall() == [("p01", "rows", 4.0), ("p02", "rows", 1.0)]


def _earlier_file(con: duckdb.DuckDBPyConnection) -> None:
    """p01 delivered a first file earlier this night (a partial re-run with a new file):
    two rows loaded into core."""
    con.execute(
        "INSERT INTO wh.meta.files VALUES "
        "($d, 'visits', 'loaded', 'p01/visits_a.csv', 'p01', '01', 2)",
        {"d": RUN_DATE},
    )
    con.execute("CREATE SCHEMA wh.core")
    con.execute(
        "CREATE TABLE wh.core.visits AS SELECT * EXCLUDE (_file_id, _row), "
        "'p01/visits_a.csv' AS _source_file FROM stg_visits WHERE _file_id = 1 AND _row <= 2"
    )
    con.execute("UPDATE wh.core.visits SET total_cost = total_cost * 10")


@pytest.mark.parametrize("with_aggregates", [True, False])
def test_a_partial_rerun_counts_the_sources_earlier_files_of_the_night(with_aggregates):
    con = duckdb.connect()
    _stage(con)
    _earlier_file(con)
    config = plausibility.load_config() if with_aggregates else plausibility.Config()
    plausibility.record_night_stats(con, "visits", "run2", RUN_DATE, config)
    got = dict(
        con.execute(
            "SELECT source || ' ' || metric, value FROM wh.dq.night_stats "
            "WHERE metric IN ('rows', 'median:total_cost')"
        ).fetchall()
    )
    expected = {"p01 rows": 6, "p02 rows": 1}
    if with_aggregates:
        # 100, 200, 400 staged and 1,000, 2,000 loaded earlier: the median of the five
        expected |= {"p01 median:total_cost": 400, "p02 median:total_cost": 50}
    assert got == expected


def test_the_medians_of_a_large_night_spill_rather_than_fail(tmp_path):
    """The order statistics come from a window over the sorted values, which DuckDB spills
    to disk: a night's values far beyond the connection's memory limit still give their
    medians (a list of every value per metric, as before, ran out of memory here)."""
    con = duckdb.connect(
        config={"memory_limit": "64MB", "threads": 1, "temp_directory": str(tmp_path)}
    )
    _stage(con)
    n = 1_000_000  # 1..n in a scrambled order, one source: median (n + 1) / 2
    con.execute(
        "INSERT INTO stg_visits (_file_id, _row, total_cost) "
        "SELECT 2, i + 2, ((i * 7919) % $n) + 1 FROM range($n) AS t(i)",
        {"n": n},
    )
    con.execute("DELETE FROM stg_visits WHERE _file_id = 2 AND _row = 1")
    plausibility.record_night_stats(con, "visits", "run1", RUN_DATE, plausibility.load_config())
    value, count, se = con.execute(
        "SELECT value, n, median_se FROM wh.dq.night_stats "
        "WHERE source = 'p02' AND metric = 'median:total_cost'"
    ).fetchone()
    assert (value, count) == ((n + 1) / 2, n)
    # ranks n/2 ± √n/2 of 1..n: their values are their ranks
    low, high = max(1, math.floor(n / 2 - math.sqrt(n) / 2)), math.ceil(n / 2 + math.sqrt(n) / 2)
    assert se == (high - low) / 2
