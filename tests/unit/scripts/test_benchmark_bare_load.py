"""The benchmark's bare load of claims packages (scripts/benchmark.py, `bare_packages`)
reads the same rows and values, table by table, as the night's claims reader: otherwise
the ratio of the night to the bare load would compare different work."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import duckdb
import pandas as pd

from tests.unit.transforms.ingest.test_readers_claims_package import (
    XML13_3176,
    drug_line,
    hoso,
    package,
    read,
    service_line,
)
from tests.unit.transforms.ingest.test_readers_xml import claims_row

ROOT = Path(__file__).resolve().parents[3]


def _benchmark():
    spec = importlib.util.spec_from_file_location("benchmark", ROOT / "scripts" / "benchmark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("benchmark", module)
    spec.loader.exec_module(module)
    return module


def _sorted(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Rows in key order, every cell text or None (DuckDB and the reader spell nulls apart)."""
    frame = frame.sort_values(key).reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def test_bare_packages_reads_the_readers_rows(tmp_path):
    episodes = []
    for i in range(1, 8):
        lk = claims_row(i)["MA_LK"]
        # A tag first seen in a later batch (the bare table gains a column), episodes with
        # no service lines, a table the night only counts (XML13), Vietnamese text.
        extra = {"GHI_CHU": f"ghi chú {i}"} if i > 4 else {}
        episodes.append(
            hoso(
                claims_row(i),
                drugs=[drug_line(lk, n, TEN_THUOC="Thuốc ho", **extra) for n in (1, 2)],
                services=[service_line(lk, 1, "10", "500")] if i % 2 else [],
                extra={"XML13": XML13_3176} if i == 1 else None,
            )
        )
    path = tmp_path / "claims.xml"
    path.write_bytes(package(episodes))
    bench = _benchmark()
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    bench.bare_packages(con, [path], batch_rows=3)

    for dataset, table in (
        ("visits", "claims_visits"),
        ("visit_drugs", "claims_visit_drugs"),
        ("visit_services", "claims_visit_services"),
    ):
        bare = con.execute(f'SELECT * FROM "{table}"').df()
        night = read(path, dataset)[list(bare.columns)]  # the delivered tags, not what it adds
        key = ["MA_LK", "STT"] if dataset != "visits" else ["MA_LK"]
        pd.testing.assert_frame_equal(_sorted(bare, key), _sorted(night, key))
    assert con.execute('SELECT count(*) FROM "claims_visit_drugs"').fetchone() == (14,)
    assert con.execute('SELECT count(*) FROM "claims_visit_services"').fetchone() == (4,)
