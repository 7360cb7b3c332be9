"""Claims packages split ahead in a worker process (`transforms.ingest.presplit`): each
dataset's read gives what reading the package in the staging thread gives, whether the
split was taken from the worker, failed there, or read a file that changed since."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
from concurrent.futures import wait
from pathlib import Path

import pandas as pd
import pytest

from tests.unit.transforms.ingest.test_readers_claims_package import (
    XML13_3176,
    drug_line,
    hoso,
    package,
    read,
    service_line,
    table,
)
from tests.unit.transforms.ingest.test_readers_xml import claims_row
from transforms.ingest import presplit
from transforms.ingest.readers import claims, claims_split
from transforms.ingest.reading import FileRejected
from transforms.ingest.stage import StageFile
from transforms.messages import Reason

LIMIT = 10**6  # the `max_table_bytes` of `read`
ROOT = Path(__file__).resolve().parents[4]


def _packages(folder: Path) -> list[Path]:
    """A package with lines, orphans and counted tables; one whose XML2 is refused (its
    visits and drug lines rejected, its services read)."""
    lk1, lk2 = claims_row(1)["MA_LK"], claims_row(2)["MA_LK"]
    good = package(
        [
            hoso(
                claims_row(1, T_THUOC="60000", T_VTYT="400000"),
                drugs=[drug_line(lk1, 1), drug_line(lk1, 2)],
                services=[service_line(lk1, 1, "10", "400000")],
                extra={"XML4": table("CLS", "CHI_TIET_CLS", [{"MA_LK": lk1}])},
            ),
            hoso(
                claims_row(2, T_THUOC="1000000"),
                drugs=[drug_line(lk2, 1, "999000"), drug_line("ORPHAN", 2)],
                extra={"XML13": XML13_3176},
            ),
        ],
        declared=3,
    )
    unsafe = table("W", "CHI_TIET_THUOC", [drug_line(lk1, 1)], doctype="<!DOCTYPE W>")
    refused = package(
        [hoso(claims_row(1), services=[service_line(lk1, 1, "13", "5")], extra={"XML2": unsafe})]
    )
    paths = [folder / "p01" / "claims.xml", folder / "p02" / "claims.xml"]
    for path, data in zip(paths, (good, refused), strict=True):
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
    return paths


def _outcomes(paths: list[Path]) -> dict[tuple[str, str], tuple[pd.DataFrame, list[str]] | Reason]:
    """Every dataset of every package, read as the night reads them (visits first)."""
    out: dict[tuple[str, str], tuple[pd.DataFrame, list[str]] | Reason] = {}
    for path in paths:
        for ds in claims.KIND_OF:
            notes: list[str] = []
            try:
                out[(path.parent.name, ds)] = (read(path, ds, notes), notes)
            except FileRejected as exc:
                out[(path.parent.name, ds)] = exc.reason
    return out


def _assert_same(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        if isinstance(want, Reason):
            assert got[key] == want, key
        else:
            assert not isinstance(got[key], Reason), (key, got[key])
            pd.testing.assert_frame_equal(got[key][0], want[0])
            assert got[key][1] == want[1], key


def _start(paths: list[Path], root: Path, workers: int = 2) -> presplit.Ahead:
    files = [
        StageFile(i, str(p.resolve()), "xml", p.name, p.stat().st_size) for i, p in enumerate(paths)
    ]
    csv = StageFile(99, str(root.parent / "visits.csv"), "csv", "visits.csv", 10)
    return presplit.start([*files, csv, *files], root, LIMIT, workers)


def _restamp(path: Path, old: bytes, new: bytes, keep_time: bool) -> None:
    st = path.stat()
    path.write_bytes(path.read_bytes().replace(old, new))
    if keep_time:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_packages_split_ahead_are_read_as_in_the_staging_thread(tmp_path):
    paths = _packages(tmp_path / "landing")
    expected = _outcomes(paths)
    root = tmp_path / "stage" / "packages"
    root.parent.mkdir(mode=0o700)
    ahead = _start(paths, root)
    try:
        assert len(ahead.futures) == 2  # each package once, the CSV file not at all
        wait(ahead.futures, timeout=60)
        assert oct(root.stat().st_mode & 0o777) == "0o700"
        # Changed in place, same size and time, after its split: the reads take the split
        # made in the worker (they still see 20261124).
        for path in paths:
            _restamp(path, b"20261124", b"20261125", keep_time=True)
        _assert_same(_outcomes(paths), expected)
    finally:
        ahead.close()
    assert not root.exists()
    assert not claims._OFFERS


def test_a_package_changed_since_its_split_is_read_again(tmp_path):
    paths = _packages(tmp_path / "landing")
    ahead = _start(paths[:1], tmp_path / "packages")
    try:
        wait(ahead.futures, timeout=60)
        _restamp(paths[0], b"20261124", b"20261125", keep_time=False)
        visits = read(paths[0], "visits")
        assert visits["updated_at"].tolist() == ["20261125"] * 2
        assert not list((tmp_path / "packages").iterdir())  # the stale split is gone
    finally:
        ahead.close()


def test_a_worker_that_dies_leaves_the_packages_to_the_reader(tmp_path, caplog):
    paths = _packages(tmp_path / "landing")
    expected = _outcomes(paths)
    ahead = _start(paths, tmp_path / "packages")
    try:
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)  # still starting: before any split is made
        with caplog.at_level(logging.WARNING, logger=claims.__name__):
            _assert_same(_outcomes(paths), expected)
        assert caplog.text.count("made ahead failed") == 2
    finally:
        ahead.close()


def test_one_worker_or_two_read_the_same(tmp_path):
    paths = _packages(tmp_path / "landing")
    expected = _outcomes(paths)
    for workers in (1, 2):
        ahead = _start(paths, tmp_path / f"packages{workers}", workers)
        try:
            assert len(multiprocessing.active_children()) >= workers
            wait(ahead.futures, timeout=60)
            _assert_same(_outcomes(paths), expected)
        finally:
            ahead.close()


def test_a_split_worker_imports_neither_pandas_nor_the_registry():
    """A worker holds the split's module and its parsers only (~24 MiB, not the night's
    ~110 MiB of libraries): the memory plan counts it at `SPLIT_WORKER_BYTES`."""
    probe = (
        "import sys, transforms.ingest.readers.claims_split; "
        "print(sorted(m for m in ('pandas', 'pyarrow', 'pandera', 'duckdb', "
        "'validations.registry') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_nothing_is_started_without_a_package(tmp_path):
    csv = StageFile(1, str(tmp_path / "visits.csv"), "csv", "visits.csv", 10)
    ahead = presplit.start([csv], tmp_path / "packages", LIMIT)
    assert ahead.pool is None and not ahead.futures
    ahead.close()


def test_the_worker_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "claims.xml"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):  # not waiting for a writer
        claims_split.split_package(str(fifo), str(tmp_path), LIMIT)
    assert list(tmp_path.iterdir()) == [fifo]


def test_the_worker_stops_once_its_splits_are_made_and_the_spools_stay(tmp_path):
    """`retire` frees the worker's memory before the night finishes its largest datasets;
    the splits it made are still taken by the reads that come after."""
    paths = _packages(tmp_path / "landing")
    expected = _outcomes(paths)
    ahead = _start(paths, tmp_path / "packages")
    try:
        worker = multiprocessing.active_children()
        assert ahead.pool is not None and worker
        wait(ahead.futures, timeout=60)
        ahead.retire()
        assert ahead.pool is None
        assert not any(p.is_alive() for p in worker)
        for path in paths:  # the reads take the splits made ahead (they still see 20261124)
            _restamp(path, b"20261124", b"20261125", keep_time=True)
        _assert_same(_outcomes(paths), expected)
    finally:
        ahead.close()
    assert not (tmp_path / "packages").exists()


def test_the_worker_is_kept_while_a_split_is_to_be_made(tmp_path):
    paths = _packages(tmp_path / "landing")
    ahead = _start(paths, tmp_path / "packages")
    try:
        ahead.retire()  # just started: no split made yet
        assert ahead.pool is not None or all(f.done() for f in ahead.futures)
    finally:
        ahead.close()
