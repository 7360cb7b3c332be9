"""The cost of the plausibility checks against the length of the history (issue 17).

    .venv/bin/python scripts/plausibility_cost.py [--nights 30 365] [--provinces 34]

Fills `dq.night_stats` with synthetic national aggregates (every province, every dataset,
the metrics `plausibility.toml` asks for) for each number of nights, then times
`plausibility.run_checks` for the last night, three times, and prints the best. The checks
read only the trailing window (and the same month of earlier years), so the time must stay
flat as the history grows. Developer tool, not run by CI; it prints its report.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from flows.settings import Settings
from transforms.scoring import plausibility
from validations.registry import DATASETS


def synthetic_stats(nights: int, provinces: int, end: date, seed: int = 0) -> pd.DataFrame:
    rng = random.Random(seed)
    config = plausibility.load_config()
    rows = []
    for i in range(nights):
        day = end - timedelta(days=nights - 1 - i)
        for p in range(1, provinces + 1):
            prov = f"{p:02d}"
            src = f"p{prov}"
            for ds in DATASETS.values():
                if ds.delivered_by != "province":
                    continue
                rows.append((day, src, prov, ds.id, "rows", rng.gauss(5000, 150), 5000))
                for col in config.values.get(ds.id, ()):
                    rows.append((day, src, prov, ds.id, f"median:{col}", rng.gauss(100, 3), 5000))
                for col in config.categories.get(ds.id, ()):
                    for v in range(5):
                        rows.append(
                            (
                                day,
                                src,
                                prov,
                                ds.id,
                                f"share:{col}={v}",
                                0.2 + rng.gauss(0, 0.005),
                                5000,
                            )
                        )
            for name in config.indicators:
                rows.append((day, src, prov, "x", f"count:{name}", rng.gauss(300, 10), 0))
    return pd.DataFrame(
        rows, columns=["run_date", "source", "province_code", "dataset", "metric", "value", "n"]
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--nights", type=int, nargs="+", default=[30, 365])
    p.add_argument("--provinces", type=int, default=34)
    args = p.parse_args()
    end = date(2026, 11, 30)
    t = Settings().plausibility()
    config = plausibility.load_config()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.nights:
            con = duckdb.connect()
            con.execute(f"ATTACH '{Path(tmp) / f'wh{n}.duckdb'}' AS wh")
            con.execute("CREATE SCHEMA wh.dq")
            plausibility.ensure_tables(con)
            frame = synthetic_stats(n, args.provinces, end)
            con.register("frame", frame)
            con.execute("INSERT INTO wh.dq.night_stats BY NAME SELECT *, 'r' AS run_id FROM frame")
            con.unregister("frame")
            best = float("inf")
            for _ in range(3):
                began = time.perf_counter()
                out = plausibility.run_checks(con, "run", end, t, config)
                best = min(best, time.perf_counter() - began)
            by_check = con.execute(
                'SELECT "check", sum(checked), sum(findings) FROM wh.dq.plausibility_summary '
                "GROUP BY ALL ORDER BY 1"
            ).fetchall()
            print(
                f"{n} nights of history ({len(frame):,} aggregate rows): checks of the last "
                f"night {best:.2f} s, {out.checked} series judged, {out.findings} findings "
                f"(check, judged, found: {by_check})"
            )
            con.close()


if __name__ == "__main__":
    main()
