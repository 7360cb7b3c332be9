"""The segment store (issue 7): core, raw rows and the quarantine are views over immutable
Parquet segments next to the DuckDB files, so a night neither copies nor rewrites the
history. Small hand-made nights through the real flow, checked on disk and as an analyst
sees them."""

from __future__ import annotations

import csv
import io
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.factories import facility_row, visit_row
from tests.integration.conftest import run_night
from transforms.warehouse import publish as wh_io
from transforms.warehouse.schema import CORE_TYPES, META_COLUMNS
from validations.registry import DATASETS

D1, D2, D3 = date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24)


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _put(path: Path, rows: list[dict[str, str]], night: date) -> None:
    """A landing file stamped on the evening of its night (so it is not late)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_csv(rows))
    stamp = datetime(night.year, night.month, night.day, 20, 0).timestamp()
    os.utime(path, (stamp, stamp))


def _visit(n: int, updated_at: str, icd: str = "J18.9", bad: bool = False) -> dict[str, str]:
    return visit_row(
        visit_id=f"KB01{n:04d}",
        facility_code="01001",
        icd10_main="XYZ" if bad else icd,
        updated_at=updated_at,
    )


def _night(root: Path, night: date, visits: list[dict[str, str]]) -> None:
    _put(
        root / night.isoformat() / "moh" / "facilities.csv",
        [facility_row(updated_at=f"{night} 08:00:00")],
        night,
    )
    _put(root / night.isoformat() / "p01" / "visits.csv", visits, night)


def _segments(store: Path) -> dict[str, tuple[int, int]]:
    """Every segment file of a store: relative path -> (inode, mtime in ns)."""
    return {
        p.relative_to(store).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in store.rglob("*.parquet")
    }


def _manifest(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {p for (p,) in con.execute("SELECT path FROM meta.segments").fetchall()}


def _visits(con: duckdb.DuckDBPyConnection, prefix: str = "") -> dict[str, tuple]:
    return {
        v: (icd, str(upd), src)
        for v, icd, upd, src in con.execute(
            f"SELECT visit_id, icd10_main, updated_at, _source_file FROM {prefix}core.visits"
        ).fetchall()
    }


@pytest.fixture
def stores(tmp_path):
    folder = tmp_path / "wh"
    return (
        folder / "warehouse.duckdb",
        folder / "restricted.duckdb",
        folder / "warehouse.segments",
        folder / "restricted.segments",
    )


def _rows_kind(files: dict[str, tuple[int, int]]) -> set[str]:
    return {k for k in files if "/deleted/" not in k}


def test_a_night_neither_copies_nor_rewrites_the_history(tmp_path, stores, monkeypatch):
    warehouse, restricted, wh_store, rs_store = stores
    landing = tmp_path / "landing"
    nights = (D1, D2, D3)
    for i, night in enumerate(nights):
        _night(
            landing,
            night,
            [
                _visit(n, f"{night} 09:00:00", bad=n % 10 == 3)
                for n in range(1 + 10 * i, 11 + 10 * i)
            ],
        )
    # What the build folder holds just before publishing: the DuckDB files and this night's
    # staged batches (`stage/`), no copy of a segment.
    seen: list[set[str]] = []
    real_publish = wh_io.publish

    def publish(b: wh_io.Build, night=None) -> None:
        seen.append(
            {
                str(p.relative_to(folder))
                for folder in (b.folder, b.warehouse_folder)
                for p in folder.rglob("*")
                if p.is_file() and p.relative_to(folder).parts[0] != "stage"
            }
        )
        real_publish(b, night)

    monkeypatch.setattr(wh_io, "publish", publish)
    sizes, before = [], {}
    for night in nights:
        run_night(landing, night, warehouse, restricted)
        after = {**_segments(wh_store), **{f"rs/{k}": v for k, v in _segments(rs_store).items()}}
        # Every earlier segment is still there, the same file, untouched.
        assert {k: after.get(k) for k in before} == before
        # core.visits, core.facilities, raw rows of both, the quarantined visit (and the
        # night's tombstones, segments of their own under deleted/).
        assert len(_rows_kind(after)) == len(_rows_kind(before)) + 5
        before = after
        sizes.append(
            (
                warehouse.stat().st_size,
                restricted.stat().st_size,
                sum(p.stat().st_size for p in wh_store.rglob("*.parquet")),
            )
        )
    for files in seen:
        assert not any(name.endswith(".parquet") for name in files), files
        assert {"warehouse.duckdb", "restricted.duckdb"} <= files
    # The DuckDB files stay flat while the store grows. (A DuckDB file grows once, after
    # the first night: the blocks a checkpoint frees are reused from the next one on.)
    assert sizes[-1][0] <= sizes[1][0] * 1.1 and sizes[-1][1] <= sizes[1][1] * 1.1, sizes
    assert sizes[-1][2] > sizes[0][2] * 2, sizes
    assert _manifest(warehouse) == set(_segments(wh_store))
    assert _manifest(restricted) == set(_segments(rs_store))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core.visits").fetchone()[0] == 27
    with duckdb.connect(str(restricted), read_only=True) as con:
        assert (
            con.execute("SELECT count(*) FROM raw.rows WHERE dataset = 'visits'").fetchone()[0]
            == 30
        )
        assert (
            con.execute(
                "SELECT count(DISTINCT (source_file, row_number)) FROM quarantine.rows"
            ).fetchone()[0]
            == 3
        )


def test_the_upsert_across_nights_through_segments(tmp_path, stores):
    warehouse, restricted, wh_store, _ = stores
    landing = tmp_path / "landing"
    _night(landing, D1, [_visit(n, f"{D1} 09:00:00") for n in (1, 2, 3, 4)])
    run_night(landing, D1, warehouse, restricted)
    # Night 2: visit 1 newer (replaces), visit 2 older (does not), visit 5 new.
    _night(
        landing,
        D2,
        [
            _visit(1, f"{D2} 09:00:00", icd="I10"),
            _visit(2, f"{D1} 08:00:00", icd="I10"),
            _visit(5, f"{D2} 09:00:00"),
        ],
    )
    run_night(landing, D2, warehouse, restricted)
    d1_file, d2_file = (f"{d.isoformat()}/p01/visits.csv" for d in (D1, D2))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert _visits(con) == {
            "KB010001": ("I10", f"{D2} 09:00:00", d2_file),
            "KB010002": ("J18.9", f"{D1} 09:00:00", d1_file),
            "KB010003": ("J18.9", f"{D1} 09:00:00", d1_file),
            "KB010004": ("J18.9", f"{D1} 09:00:00", d1_file),
            "KB010005": ("J18.9", f"{D2} 09:00:00", d2_file),
        }
    # Night 2's visits file delivered again, corrected: it replaces exactly its earlier rows
    # (visit 5 goes, visit 6 comes; visit 1 stays as this version has it). The restricted
    # file is made as one written before its index of delivered files: the night fills the
    # index from the views, finds the earlier delivery and hides its raw rows.
    with duckdb.connect(str(restricted)) as con:
        assert con.execute(
            "SELECT count(*) FROM meta.source_files WHERE source_file = ?", [d2_file]
        ).fetchone() == (1,)
        con.execute("DELETE FROM meta.source_files")
    _night(landing, D2, [_visit(1, f"{D2} 09:00:00", icd="I10"), _visit(6, f"{D2} 09:30:00")])
    run_night(landing, D2, warehouse, restricted)
    with duckdb.connect(str(restricted), read_only=True) as con:
        con.execute("SET VARIABLE vnhealth_restricted_data = ?", [str(restricted.parent)])
        raw = con.execute(
            "SELECT count(DISTINCT run_id), count(*) FROM raw.rows WHERE source_file = ?",
            [d2_file],
        ).fetchone()
        assert raw == (1, 2)  # only the corrected delivery's two rows
        runs = con.execute(
            "SELECT count(*) FROM meta.source_files WHERE source_file = ?", [d2_file]
        ).fetchone()
        assert runs == (2,)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = {
            "KB010001": ("I10", f"{D2} 09:00:00", d2_file),
            "KB010002": ("J18.9", f"{D1} 09:00:00", d1_file),
            "KB010003": ("J18.9", f"{D1} 09:00:00", d1_file),
            "KB010004": ("J18.9", f"{D1} 09:00:00", d1_file),
            "KB010006": ("J18.9", f"{D2} 09:30:00", d2_file),
        }
        assert _visits(con) == expected
        # Through segments: one per night that loaded visits, and tombstones for the rest.
        per_run = con.execute(
            "SELECT count(*), sum(rows) FROM meta.segments WHERE table_name = 'core.visits' "
            "AND kind = 'rows'"
        ).fetchone()
        assert per_run == (3, 4 + 2 + 2)  # visit 2 of night 2 is not written
        # The tombstones are segments beside them, listed in the same manifest.
        deleted = con.execute(
            "SELECT sum(rows) FROM meta.segments WHERE table_name = 'core.visits' "
            "AND kind = 'deleted'"
        ).fetchone()[0]
        assert deleted == 8 - 5
        # The view types itself: no empty base table in the analysts' listing.
        listed = {n for (n,) in con.execute("SELECT name FROM (SHOW ALL TABLES)").fetchall()}
        assert "core__visits" not in listed and "visits" in listed
        # ... and no internal table at all.
        assert not [n for n in listed if n.startswith("core__")]
        assert not con.execute(
            "SELECT * FROM duckdb_tables() WHERE schema_name = 'store'"
        ).fetchall()
    # Running the night again changes nothing (its files are duplicates now).
    segs = _segments(wh_store)
    run_night(landing, D2, warehouse, restricted)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert _visits(con) == expected
    assert _segments(wh_store) == segs


def test_an_open_reader_keeps_its_night_and_a_new_one_sees_the_next(tmp_path, stores):
    warehouse, restricted, _, _ = stores
    landing = tmp_path / "landing"
    _night(landing, D1, [_visit(n, f"{D1} 09:00:00") for n in (1, 2)])
    _night(landing, D2, [_visit(n, f"{D2} 09:00:00") for n in (2, 3, 4)])
    run_night(landing, D1, warehouse, restricted)
    analyst = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert len(_visits(analyst)) == 2
        run_night(landing, D2, warehouse, restricted)
        # The open session still reads its night, from segments that still exist.
        old = _visits(analyst)
        assert set(old) == {"KB010001", "KB010002"}
        assert old["KB010002"][1] == f"{D1} 09:00:00"
    finally:
        analyst.close()
    with duckdb.connect() as con:  # a new session (not DuckDB's per-path instance cache)
        con.execute(f"ATTACH '{warehouse}' AS w (READ_ONLY)")
        new = _visits(con, "w.")
    assert set(new) == {"KB010001", "KB010002", "KB010003", "KB010004"}
    assert new["KB010002"][1] == f"{D2} 09:00:00"


def test_core_views_keep_the_types_and_comments_of_the_tables(tmp_path, stores):
    warehouse, restricted, _, _ = stores
    landing = tmp_path / "landing"
    _night(landing, D1, [_visit(1, f"{D1} 09:00:00")])
    run_night(landing, D1, warehouse, restricted)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for ds in DATASETS.values():
            described = [(r[0], r[1]) for r in con.execute(f"DESCRIBE core.{ds.id}").fetchall()]
            expected = [(c.name, CORE_TYPES.get(c.type, "VARCHAR")) for c in ds.columns]
            expected += [(name, typ) for name, typ, _ in META_COLUMNS]
            assert described == [(n, t.replace(", ", ",")) for n, t in expected], ds.id
            comments = dict(
                con.execute(
                    "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'core' "
                    "AND table_name = ?",
                    [ds.id],
                ).fetchall()
            )
            assert all(comments.values()), (ds.id, comments)
            table_comment = con.execute(
                "SELECT comment FROM duckdb_views() WHERE schema_name = 'core' AND view_name = ?",
                [ds.id],
            ).fetchone()[0]
            assert ds.description_en in table_comment
    with duckdb.connect(str(restricted), read_only=True) as con:
        cols = [r[0] for r in con.execute("DESCRIBE quarantine.rows").fetchall()]
        assert {"run_id", "source_file", "row_number", "raw", "resolved_at"} <= set(cols)


def test_orphan_segments_of_a_killed_run_are_removed_by_the_next(tmp_path, stores):
    warehouse, restricted, wh_store, rs_store = stores
    landing = tmp_path / "landing"
    _night(landing, D1, [_visit(n, f"{D1} 09:00:00") for n in (1, 2)])
    _night(landing, D2, [_visit(n, f"{D2} 09:00:00") for n in (3, 4)])
    run_night(landing, D1, warehouse, restricted)
    published = {**_segments(wh_store), **_segments(rs_store)}
    # What a run killed after writing its segments and before publishing leaves behind.
    orphans = []
    for store, rel in ((wh_store, "core/visits"), (rs_store, "raw/visits")):
        real = next((store / rel).glob("*.parquet"))
        orphan = real.with_name("20261123-020000-dead00.parquet")
        shutil.copyfile(real, orphan)
        os.utime(orphan, (orphan.stat().st_mtime - 3600,) * 2)
        orphans.append(orphan)
    run_night(landing, D2, warehouse, restricted)
    assert not any(o.exists() for o in orphans)
    after = {**_segments(wh_store), **_segments(rs_store)}
    assert {k: after[k] for k in published} == published
    assert _manifest(warehouse) == set(_segments(wh_store))
    assert _manifest(restricted) == set(_segments(rs_store))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert len(_visits(con)) == 4


def _everything(warehouse: Path, restricted: Path) -> dict[str, list]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out = {
            f"core.{ds}": con.execute(f"SELECT * FROM core.{ds} ORDER BY ALL").fetchall()
            for ds in DATASETS
        }
    with duckdb.connect(str(restricted), read_only=True) as con:
        for table in ("raw.rows", "quarantine.rows"):
            out[table] = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    return out


def test_compaction_rewrites_history_into_one_segment_and_keeps_every_row(tmp_path, stores):
    warehouse, restricted, wh_store, rs_store = stores
    landing = tmp_path / "landing"
    _night(landing, D1, [_visit(n, f"{D1} 09:00:00", bad=n == 2) for n in (1, 2, 3)])
    _night(landing, D2, [_visit(n, f"{D2} 09:00:00") for n in (2, 3, 4)])
    _night(landing, D3, [_visit(n, f"{D3} 09:00:00") for n in (4, 5)])
    for night in (D1, D2, D3):
        run_night(landing, night, warehouse, restricted)
    before = _everything(warehouse, restricted)
    assert any(r[-3] is not None for r in before["quarantine.rows"])  # a resolved row
    old_files = set(_segments(wh_store)) | {f"rs/{p}" for p in _segments(rs_store)}
    analyst = duckdb.connect(str(warehouse), read_only=True)
    try:
        done = wh_io.compact(warehouse, restricted, grace_hours=24, threads=1)
        assert {(d["table"], d["dataset"]) for d in done if d["retired"]} >= {
            ("core.visits", "visits"),
            ("raw.rows", "visits"),
            ("quarantine.rows", "visits"),
        }
        assert _everything(warehouse, restricted) == before
        # The session opened before still reads its segments: retired, not yet deleted.
        assert analyst.execute("SELECT count(*) FROM core.visits").fetchone()[0] == 5
    finally:
        analyst.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        live = con.execute(
            "SELECT count(*) FROM meta.segments WHERE table_name = 'core.visits' "
            "AND retired_at IS NULL"
        ).fetchone()[0]
        assert live == 1  # the rows' segment; compaction folded in and cleared the tombstones
        deleted = con.execute(
            "SELECT count(*) FROM meta.segments WHERE table_name = 'core.visits' "
            "AND kind = 'deleted' AND retired_at IS NULL"
        ).fetchone()[0]
        assert deleted == 0
    now = set(_segments(wh_store)) | {f"rs/{p}" for p in _segments(rs_store)}
    assert old_files <= now
    # Past the grace period the retired files go; what analysts see stays the same.
    wh_io.compact(warehouse, restricted, grace_hours=0, threads=1)
    now = set(_segments(wh_store)) | {f"rs/{p}" for p in _segments(rs_store)}
    assert not old_files & now
    assert _everything(warehouse, restricted) == before
    assert _manifest(warehouse) == set(_segments(wh_store))


def _quarantine(restricted: Path) -> list[tuple]:
    with duckdb.connect(str(restricted), read_only=True) as con:
        return con.execute(
            "SELECT source_file, row_number, record_key, rule_id, criterion, severity, message, "
            "raw FROM quarantine.rows ORDER BY ALL"
        ).fetchall()


def test_the_quarantine_written_in_slices_is_the_quarantine_written_whole(tmp_path, monkeypatch):
    """A night with more rows with an error than a slice holds (`loading.quarantine_slices`:
    at the night's size, memory bounds a slice) writes its quarantine in several segments:
    the same rows, rules, messages and raw rows as one slice gives."""
    from transforms.warehouse import loading

    landing = tmp_path / "landing"
    visits = [_visit(n, f"{D3} 09:00:00", bad=n % 3 != 0) for n in range(1, 13)]  # 8 bad
    _night(landing, D3, visits)
    more = [_visit(n, f"{D3} 09:00:00", bad=n % 3 != 0) for n in range(13, 17)]  # 3 bad
    _put(landing / D3.isoformat() / "p02" / "visits.csv", more, D3)
    whole = tmp_path / "whole"
    run_night(landing, D3, whole / "warehouse.duckdb", whole / "restricted.duckdb")
    monkeypatch.setattr(loading, "QUARANTINE_SLICE_ROWS", (1, 3))
    sliced = tmp_path / "sliced"
    summary = run_night(landing, D3, sliced / "warehouse.duckdb", sliced / "restricted.duckdb")
    assert summary["rows_in"] == 17 == summary["rows_loaded"] + summary["rows_quarantined"]
    assert summary["rows_quarantined"] == 11
    expected = _quarantine(whole / "restricted.duckdb")
    assert len({(r[0], r[1]) for r in expected}) == 11
    assert _quarantine(sliced / "restricted.duckdb") == expected
    with duckdb.connect(str(sliced / "restricted.duckdb"), read_only=True) as con:
        parts = con.execute(
            "SELECT count(*) FROM meta.segments WHERE table_name = 'quarantine.rows' "
            "AND dataset = 'visits'"
        ).fetchone()[0]
    assert parts == 4  # p01's 8 rows in three ranges; p02's 3 in one slice
