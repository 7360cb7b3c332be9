"""Building and publishing on real files, without a night: where the build folders go,
what they leave behind, and the modes the published files get."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from transforms.warehouse import publish as wh_io
from transforms.warehouse import snapshots

NIGHT = date(2026, 11, 24)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _build(data: Path, stage_dir: Path, run_id: str):
    return wh_io.build(
        data / "warehouse.duckdb",
        data / "restricted" / "restricted.duckdb",
        run_id,
        memory_limit="256MB",
        threads=1,
        snapshots_to=snapshots.Snapshots(data / "snapshots", keep=35),
        stage_dir=stage_dir,
    )


def test_each_build_sits_beside_its_file_and_nothing_outlives_the_run(tmp_path):
    data, stage_dir = tmp_path / "data", tmp_path / "stage"
    warehouse, restricted = data / "warehouse.duckdb", data / "restricted" / "restricted.duckdb"
    # What a run killed outright left: its build folders and its staged rows.
    stale = [
        data / ".build-old-warehouse" / "warehouse.duckdb",
        data / "restricted" / ".build-old-restricted" / "stage" / "raw.parquet",
        wh_io.stage_folder(stage_dir, warehouse, "old") / "visits" / "raw.parquet",
    ]
    for path in stale:
        path.parent.mkdir(parents=True)
        path.write_bytes(b"raw ids")
    with _build(data, stage_dir, "r1") as b:
        assert not any(p.exists() for p in stale)
        assert b.folder.parent == restricted.parent and b.warehouse_folder.parent == data
        assert _mode(b.folder) == _mode(b.warehouse_folder) == 0o700
        assert (
            b.restricted_copy.parent == b.folder
            and b.warehouse_copy.parent == data / b.warehouse_folder.name
        )
        assert b.stage_folder == wh_io.stage_folder(stage_dir, warehouse, "r1")
        b.stage_folder.mkdir(parents=True)
        (b.stage_folder / "raw.parquet").write_bytes(b"raw ids")
        wh_io.publish(b, NIGHT)
    assert not list(tmp_path.rglob(".build-*")) and not b.stage_folder.exists()
    assert _mode(warehouse) == 0o640 and _mode(restricted) == 0o600
    assert _mode(data / "snapshots" / f"{NIGHT}.duckdb") == 0o640
    # An administrator's mode on the restricted file survives the next publish; the
    # analysts' file gets the configured mode again.
    os.chmod(restricted, 0o640)
    os.chmod(warehouse, 0o600)
    with _build(data, stage_dir, "r2") as b:
        wh_io.publish(b)  # no night: no snapshot (a compaction, a failed run)
    assert _mode(restricted) == 0o640 and _mode(warehouse) == 0o640
    assert [p.name for p in (data / "snapshots").iterdir()] == [f"{NIGHT}.duckdb"]


def test_leaving_a_build_without_publishing_changes_nothing(tmp_path):
    data = tmp_path / "data"
    with _build(data, tmp_path / "stage", "r1") as b:
        wh_io.publish(b, NIGHT)
    # Folders the night creates: the analysts' from the configuration, the restricted private.
    assert _mode(data) == _mode(data / "warehouse.segments") == 0o750
    assert _mode(data / "restricted") == _mode(data / "restricted" / "restricted.segments") == 0o700
    before = (data / "warehouse.duckdb").read_bytes()
    try:
        with _build(data, tmp_path / "stage", "r2") as b:
            b.con.execute("DELETE FROM wh.dq.rules")
            raise RuntimeError("the night failed")
    except RuntimeError:
        pass
    assert (data / "warehouse.duckdb").read_bytes() == before
    assert not list(tmp_path.rglob(".build-*"))
