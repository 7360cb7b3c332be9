"""The segment store on a real DuckDB file and real Parquet, without a night."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from transforms import sqlfiles
from transforms.warehouse import loading, segments
from transforms.warehouse.modes import ANALYSTS, Protection
from validations.registry import DATASETS


@pytest.fixture
def con(tmp_path: Path):
    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'warehouse.duckdb'}' AS wh")
    sqlfiles.SqlFolder("transforms.warehouse").run(con, "ddl_warehouse")
    segments.install_stores(con, {"wh": (tmp_path / "warehouse.segments", ANALYSTS)})
    yield con
    con.close()


def _facility(code: str) -> str:
    return (
        f"SELECT '{code}' AS facility_code, TIMESTAMP '2026-11-20 08:00:00' AS updated_at, "
        f"'moh/facilities.csv' AS _source_file, {int(code)} AS _source_row, "
        "'r1' AS _run_id, [] AS _warnings"
    )


def test_rows_arrive_as_segments_and_leave_by_tombstone(con, tmp_path):
    loading.ensure_core_table(con, DATASETS["facilities"])
    table = segments.core("facilities")
    assert con.execute("SELECT count(*) FROM wh.core.facilities").fetchone()[0] == 0
    n = segments.append(
        con, table, "facilities", "r1", f"{_facility('01001')} UNION ALL {_facility('01002')}"
    )
    assert n == 2
    assert (tmp_path / "warehouse.segments/core/facilities/r1.parquet").exists()
    rows = con.execute(
        "SELECT facility_code, beds, _warnings FROM wh.core.facilities ORDER BY 1"
    ).fetchall()
    assert rows == [("01001", None, []), ("01002", None, [])]  # missing columns are NULL
    # A tombstone is a segment too, in the manifest beside the rows, read by the view.
    tombstone = "SELECT 'r1' AS _run_id, 'moh/facilities.csv' AS _source_file, 1001 AS _source_row"
    assert segments.append(con, table, "facilities", "r1", tombstone, kind=segments.DELETED) == 1
    assert (tmp_path / "warehouse.segments/core/facilities/deleted/r1.parquet").exists()
    assert con.execute("SELECT facility_code FROM wh.core.facilities").fetchall() == [("01002",)]
    # Zero rows: no file, no manifest line; a segment is never written twice.
    assert segments.append(con, table, "facilities", "r2", f"{_facility('01003')} LIMIT 0") == 0
    assert not (tmp_path / "warehouse.segments/core/facilities/r2.parquet").exists()
    with pytest.raises(RuntimeError, match="never rewritten"):
        segments.append(con, table, "facilities", "r1", _facility("01004"))
    assert con.execute("SELECT path, rows, kind FROM wh.meta.segments ORDER BY 1").fetchall() == [
        ("core/facilities/deleted/r1.parquet", 1, "deleted"),
        ("core/facilities/r1.parquet", 2, "rows"),
    ]
    # The analysts' file lists no internal table.
    assert not con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh' "
        "AND schema_name = 'store'"
    ).fetchall()


def test_an_old_tombstone_table_becomes_a_segment(con, tmp_path):
    loading.ensure_core_table(con, DATASETS["facilities"])
    table = segments.core("facilities")
    segments.append(
        con, table, "facilities", "r1", f"{_facility('01001')} UNION ALL {_facility('01002')}"
    )
    con.execute(
        "CREATE TABLE wh.store.core__facilities__deleted (_run_id VARCHAR, _source_file VARCHAR, "
        "_source_row BIGINT)"
    )
    con.execute(
        "INSERT INTO wh.store.core__facilities__deleted VALUES ('r1', 'moh/facilities.csv', 1001)"
    )
    loading.ensure_core_table(con, DATASETS["facilities"])
    assert con.execute("SELECT facility_code FROM wh.core.facilities").fetchall() == [("01002",)]
    assert not con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh' "
        "AND schema_name = 'store'"
    ).fetchall()
    assert con.execute("SELECT rows FROM wh.meta.segments WHERE kind = 'deleted'").fetchall() == [
        (1,)
    ]


def test_a_warehouse_from_before_segments_moves_its_table_into_one(con, tmp_path):
    con.execute(
        "CREATE TABLE wh.core.facilities (facility_code VARCHAR, updated_at TIMESTAMP, "
        "_source_file VARCHAR, _source_row BIGINT, _run_id VARCHAR, _loaded_at TIMESTAMP, "
        "_warnings VARCHAR[])"
    )
    con.execute(
        "INSERT INTO wh.core.facilities VALUES ('01001', '2026-11-20 08:00', "
        "'moh/facilities.csv', 1, 'old', '2026-11-21 02:00', [])"
    )
    loading.ensure_core_table(con, DATASETS["facilities"])
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE "
        "table_catalog = 'wh' AND table_name = 'facilities' "
        "AND table_schema = 'core'"
    ).fetchone()[0]
    assert kind == "VIEW"
    assert con.execute("SELECT facility_code, _run_id FROM wh.core.facilities").fetchall() == [
        ("01001", "old")
    ]
    (path,) = segments.live_segments(con, segments.core("facilities"))
    assert (tmp_path / "warehouse.segments" / path).exists()


def test_orphans_are_the_unnamed_files_older_than_the_run(con, tmp_path):
    from datetime import datetime, timedelta

    loading.ensure_core_table(con, DATASETS["facilities"])
    segments.append(con, segments.core("facilities"), "facilities", "r1", _facility("01001"))
    store = tmp_path / "warehouse.segments/core/facilities"
    orphan = store / "dead.parquet"
    orphan.write_bytes((store / "r1.parquet").read_bytes())
    assert segments.remove_orphans(con, "wh", datetime.now() - timedelta(hours=1)) == []
    assert segments.remove_orphans(con, "wh", datetime.now() + timedelta(seconds=5)) == [orphan]
    assert (store / "r1.parquet").exists() and not orphan.exists()


@pytest.mark.parametrize("other_file_system", [False, True])
def test_files_written_elsewhere_are_adopted_as_they_are(
    con, tmp_path, monkeypatch, other_file_system
):
    loading.ensure_core_table(con, DATASETS["facilities"])
    table = segments.core("facilities")
    staged = tmp_path / "stage"
    staged.mkdir()
    files = []
    for i, codes in enumerate((["01001", "01002"], [], ["01003"]), start=1):
        path = staged / f"b{i}.parquet"
        query = " UNION ALL ".join(_facility(c) for c in codes) or f"{_facility('0')} LIMIT 0"
        con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")
        files.append((str(path), len(codes)))
    content = Path(files[0][0]).read_bytes()
    if other_file_system:  # os.replace cannot move across file systems: the file is copied

        def cross_device(src, dst):
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(segments.os, "replace", cross_device)

    assert segments.adopt(con, table, "facilities", "r1", files) == 3

    store = tmp_path / "warehouse.segments/core/facilities"
    assert sorted(p.name for p in store.iterdir()) == ["r1-0001.parquet", "r1-0003.parquet"]
    assert (store / "r1-0001.parquet").read_bytes() == content  # not rewritten
    assert not Path(files[0][0]).exists() and not Path(files[2][0]).exists()
    assert con.execute("SELECT path, rows FROM wh.meta.segments ORDER BY path").fetchall() == [
        ("core/facilities/r1-0001.parquet", 2),
        ("core/facilities/r1-0003.parquet", 1),
    ]
    assert con.execute("SELECT facility_code FROM wh.core.facilities ORDER BY 1").fetchall() == [
        ("01001",),
        ("01002",),
        ("01003",),
    ]
    with pytest.raises(RuntimeError, match="never rewritten"):
        segments.adopt(con, table, "facilities", "r1", [(files[1][0], 1)])


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_segments_and_their_folders_get_the_store_protection(con, tmp_path):
    assert _mode(tmp_path / "warehouse.segments") == 0o750
    loading.ensure_core_table(con, DATASETS["facilities"])
    segments.append(con, segments.core("facilities"), "facilities", "r1", _facility("01001"))
    store = tmp_path / "warehouse.segments"
    assert _mode(store / "core") == _mode(store / "core/facilities") == 0o750
    assert _mode(store / "core/facilities/r1.parquet") == 0o640
    # A private store (the restricted file's): 0600 files in 0700 folders.
    segments.install_stores(con, {"wh": (tmp_path / "private.segments", Protection(0o600, 0o700))})
    table = segments.core("facilities")
    segments.append(con, table, "facilities", "r2", _facility("01002"), refresh=False)
    private = tmp_path / "private.segments"
    assert _mode(private) == _mode(private / "core/facilities") == 0o700
    assert _mode(private / "core/facilities/r2.parquet") == 0o600


def test_purge_keeps_the_retired_segments_a_snapshot_still_reads(con, tmp_path):
    from datetime import datetime, timedelta

    loading.ensure_core_table(con, DATASETS["facilities"])
    table = segments.core("facilities")
    for run, code in (("r1", "01001"), ("r2", "01002")):
        segments.append(con, table, "facilities", run, _facility(code))
    segments.compact(con, table, "facilities", "c1")
    store = tmp_path / "warehouse.segments/core/facilities"
    later = datetime.now() + timedelta(seconds=1)
    kept = frozenset({"core/facilities/r1.parquet"})
    assert segments.purge_retired(con, "wh", later, kept) == 1
    assert sorted(p.name for p in store.iterdir()) == ["c1.parquet", "r1.parquet"]
    # Its manifest line stays: once no snapshot needs it, the next purge deletes it.
    assert segments.purge_retired(con, "wh", later) == 1
    assert sorted(p.name for p in store.iterdir()) == ["c1.parquet"]
    assert con.execute("SELECT facility_code FROM wh.core.facilities ORDER BY 1").fetchall() == [
        ("01001",),
        ("01002",),
    ]


def test_a_core_view_types_itself_and_an_old_base_table_goes(con):
    # A warehouse published before: an empty typed base table in the analysts' listing.
    con.execute("CREATE TABLE wh.store.core__facilities (facility_code VARCHAR, beds INTEGER)")
    loading.ensure_core_table(con, DATASETS["facilities"])
    store = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh' "
        "AND schema_name = 'store'"
    ).fetchall()
    assert store == []
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'wh' "
            "AND schema_name = 'core' AND table_name = 'facilities'"
        ).fetchall()
    )
    assert types["updated_at"] == "TIMESTAMP" and types["_warnings"] == "VARCHAR[]"
    comment = con.execute(
        "SELECT comment FROM duckdb_views() WHERE database_name = 'wh' AND view_name = 'facilities'"
    ).fetchone()[0]
    assert comment == f"{DATASETS['facilities'].description_en} / " + (
        DATASETS["facilities"].description_vi
    )
    assert con.execute("SELECT count(*) FROM wh.core.facilities").fetchone()[0] == 0


def _night(n: int, rows: int = 3) -> str:
    """Night `n`'s facilities: `rows` new codes, and a new version of night 1's code 9999."""
    return " UNION ALL ".join(
        f"SELECT '{code}' AS facility_code, TIMESTAMP '2026-01-01' + INTERVAL {n} DAY "
        f"AS updated_at, 'f{n}.csv' AS _source_file, {i} AS _source_row, "
        f"'n{n:03d}' AS _run_id, [] AS _warnings"
        for i, code in enumerate([f"{n:03d}{j}" for j in range(rows)] + ["9999"])
    )


def _history(con, nights: int, fanout: int) -> list[dict]:
    """`nights` nights of facilities, each superseding night 1's code 9999 as the upsert
    does (a tombstone for the current version), then merging by tiers as a night does.
    Per night: the segments the view reads after it, and what the merging read and wrote."""
    loading.ensure_core_table(con, DATASETS["facilities"])
    table = segments.core("facilities")
    out = []
    for n in range(1, nights + 1):
        segments.append(
            con,
            table,
            "facilities",
            f"n{n:03d}",
            "SELECT _run_id, _source_file, _source_row FROM wh.core.facilities "
            "WHERE facility_code = '9999'",
            kind=segments.DELETED,
        )
        segments.append(con, table, "facilities", f"n{n:03d}", _night(n))
        done = segments.merge_tiers(con, f"n{n:03d}", fanout, max_rows=1_000_000)
        out.append(
            {
                "live": len(segments.live_segments(con, table)),
                "read": sum(int(d["retired"]) for d in done),
                "written": sum(int(d["rows"]) for d in done),
            }
        )
    return out


def test_merging_by_tiers_keeps_what_a_night_reads_flat_as_history_grows(con):
    nights = _history(con, 40, fanout=4)
    # The view reads few segments whatever the history: fewer than 4 per level, and
    # log4(40) < 3 levels; at night 40 as at night 10.
    assert max(n["live"] for n in nights) <= 9
    assert nights[39]["live"] <= nights[9]["live"] + 3
    # A night's merging reads at most fanout segments per level, and over the nights a
    # row is rewritten at most once per level (3 new rows a night, 3 levels).
    assert max(n["read"] for n in nights) <= 4 * 3
    assert sum(n["written"] for n in nights[10:]) <= 30 * 4 * 3
    # The view holds exactly the current rows: every new code, and night 40's version of
    # 9999 (each older one was tombstoned, and merging cleared those tombstones).
    rows = con.execute(
        "SELECT facility_code, _run_id FROM wh.core.facilities ORDER BY 1"
    ).fetchall()
    assert len(rows) == 40 * 3 + 1
    assert ("9999", "n040") in rows
    assert _tombstones(con) < 4
    # Merging folded the tombstones in: their live segments are few, not one per night.
    assert len(segments.live_segments(con, segments.core("facilities"), segments.DELETED)) <= 2
    levels = {segments.level(p) for p in segments.live_segments(con, segments.core("facilities"))}
    assert levels == {1, 2}  # 40 = 2 x 16 + 2 x 4: nothing left at level 0


def test_without_merging_the_segments_grow_with_every_night(con):
    nights = _history(con, 12, fanout=0)
    assert [n["live"] for n in nights] == list(range(1, 13))
    assert _tombstones(con) == 11


def _tombstones(con) -> int:
    """The live tombstones of core.facilities (each segment's are distinct, and a row
    leaves once)."""
    return con.execute(
        "SELECT coalesce(sum(rows), 0) FROM wh.meta.segments WHERE kind = 'deleted' "
        "AND retired_at IS NULL"
    ).fetchone()[0]


def test_the_level_of_a_segment_is_in_its_name():
    assert segments.level("core/visits/20261120-020000-abcdef.parquet") == 0
    assert segments.level("raw/visits/20261120-020000-abcdef-0003.parquet") == 0
    assert segments.level("core/visits/20261120-020000-abcdef-L2-0007.parquet") == 2
    assert segments.level("core/visits/compact-20261120-101010-abcdef.parquet") is None
    assert segments.level("core/visits/migrated-20261120101010.parquet") is None


def test_a_segment_of_wide_rows_is_written_within_a_small_memory_limit(con, tmp_path):
    """The Parquet writer's row group cannot spill: a segment of wide rows (raw and
    quarantined rows carry their JSON) is cut into row groups of ROW_GROUP_BYTES, so that
    it is written within the connection's limit (at DuckDB's 122,880 rows a row group of
    these asks for ~78 MiB at once and fails here, as a night of 8M visit rows did)."""
    loading.ensure_core_table(con, DATASETS["facilities"])
    con.execute("SET memory_limit = '100MB'; SET threads = 2")
    wide = (
        "SELECT lpad(i::VARCHAR, 5, '0') AS facility_code, "
        "repeat(md5(i::VARCHAR), 20) AS facility_name, "
        "TIMESTAMP '2026-11-20 08:00:00' AS updated_at, 'moh/facilities.csv' AS _source_file, "
        "i AS _source_row, 'r1' AS _run_id, [] AS _warnings FROM range(400000) r(i)"
    )
    n = segments.append(con, segments.core("facilities"), "facilities", "r1", wide, refresh=False)
    assert n == 400_000
    path = tmp_path / "warehouse.segments/core/facilities/r1.parquet"
    groups = con.execute(
        f"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{path}')"
    ).fetchone()[0]
    assert groups > 400_000 // 122_880 + 1  # smaller row groups than DuckDB's default
