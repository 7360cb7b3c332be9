"""Snapshots and file protection on real files: the last nights kept, the mode, owner and
group of a replaced file carried over."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import duckdb

from transforms.warehouse import modes, snapshots
from transforms.warehouse.modes import Protection


def _night_file(path: Path, segments: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute("CREATE TABLE meta.segments (path VARCHAR, retired_at TIMESTAMP)")
        for s in segments:
            con.execute("INSERT INTO meta.segments VALUES (?, NULL)", [s])
        con.execute("INSERT INTO meta.segments VALUES ('core/x/retired.parquet', now())")
    return path


def test_the_last_nights_are_kept_and_name_the_segments_they_read(tmp_path):
    store = snapshots.Snapshots(tmp_path / "snapshots", keep=2)
    first = date(2026, 11, 22)
    for i in range(3):
        night = first + timedelta(days=i)
        copy = _night_file(tmp_path / f"build-{i}.duckdb", [f"core/x/r{i}.parquet"])
        tmp = snapshots.prepare(store, night, copy, modes.ANALYSTS)
        assert tmp.name.startswith(".") and not snapshots.path_of(store, night).exists()
        snapshots.commit(store, night, tmp)
    assert list(snapshots.kept(store)) == [first + timedelta(days=1), first + timedelta(days=2)]
    assert sorted(p.name for p in store.folder.iterdir()) == [
        "2026-11-23.duckdb",
        "2026-11-24.duckdb",
    ]
    assert os.stat(snapshots.path_of(store, first + timedelta(days=2))).st_mode & 0o777 == 0o640
    assert os.stat(store.folder).st_mode & 0o777 == 0o750
    assert snapshots.needed_segments(store) == {"core/x/r1.parquet", "core/x/r2.parquet"}
    assert snapshots.needed_segments(None) == frozenset()


def test_a_replaced_file_passes_on_its_mode_owner_and_group(tmp_path):
    published = tmp_path / "restricted.duckdb"
    assert modes.kept(published, modes.RESTRICTED) == modes.RESTRICTED  # none yet: 0600
    published.write_bytes(b"old")
    os.chmod(published, 0o640)
    gid = 4242 if os.geteuid() == 0 else os.getgid()
    os.chown(published, -1, gid)
    p = modes.kept(published, modes.RESTRICTED)
    assert (p.file_mode, p.dir_mode, p.gid) == (0o640, 0o750, gid)
    copy = tmp_path / "copy"
    copy.write_bytes(b"new")
    modes.apply(copy, p)
    assert copy.stat().st_mode & 0o777 == 0o640 and copy.stat().st_gid == gid
    folder = tmp_path / "a" / "b"
    modes.make_dirs(folder, Protection(0o600, 0o700))
    assert {os.stat(f).st_mode & 0o777 for f in (folder, folder.parent)} == {0o700}


def test_a_folder_mode_lets_in_exactly_the_readers_of_the_files():
    assert [modes.dir_mode_for(m) for m in (0o600, 0o640, 0o644, 0o660)] == [
        0o700,
        0o750,
        0o755,
        0o770,
    ]
