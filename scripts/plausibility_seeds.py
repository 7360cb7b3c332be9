"""Planted anomalies found and false findings of the plausibility checks, over seeds
(issue 17: every planted anomaly found, at most 1 false finding per 1,000 checks).

    .venv/bin/python scripts/plausibility_seeds.py --seeds 1 2 3 [--nights 8] [--scale 0.2]
        [--dataset visits --dataset births ...]

Per seed: `generate_nights` writes a history ending at --end into a temporary folder, the
real nightly flow runs it night by night into a temporary warehouse (one Prefect test
server for all seeds), and `sample.truth.score_anomalies` scores it. Prints one line per
seed, then each miss and false finding. Without --dataset: every dataset (`make demo`'s
shape); the history test runs facilities, visits, births, immunizations and deaths.
Developer tool, not run by CI.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from prefect.testing.utilities import prefect_test_harness

from flows.nightly import backfill
from sample.generate.base import NightSpec
from sample.generate.history import generate_nights
from sample.truth import score_anomalies
from transforms.reference import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--nights", type=int, default=8)
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 24))
    parser.add_argument("--dataset", action="append", dest="datasets")
    args = parser.parse_args()
    os.environ.setdefault("VNHEALTH_PSEUDONYM_KEY", secrets.token_hex(32))
    first = args.end - timedelta(days=args.nights - 1)
    shape = ",".join(args.datasets) if args.datasets else "all datasets"
    print(f"{args.nights} nights {first} to {args.end}, scale {args.scale}, {shape}")
    with prefect_test_harness(server_startup_timeout=180):
        for seed in args.seeds:
            with tempfile.TemporaryDirectory(prefix="plausibility-seeds-") as tmp:
                landing, warehouse = Path(tmp) / "landing", Path(tmp) / "wh" / "warehouse.duckdb"
                spec = NightSpec(run_date=args.end, scale=args.scale, seed=seed)
                generate_nights(landing, spec, args.nights, load())
                started = time.perf_counter()
                backfill(
                    start_date=first,
                    end_date=args.end,
                    landing=str(landing),
                    warehouse=str(warehouse),
                    datasets=args.datasets,
                )
                took = time.perf_counter() - started
                score = score_anomalies(landing, warehouse)
                assert score is not None
                checks = ", ".join(f"{c} {f}/{n}" for c, (f, n) in sorted(score.by_check.items()))
                print(
                    f"seed {seed}: planted found {score.found}/{score.planted} ({checks}); "
                    f"false findings {score.false_findings} of {score.judged} checks "
                    f"({score.false_per_1000:.2f} per 1,000); explained {score.explained}; "
                    f"nights ran in {took:.0f} s",
                    flush=True,
                )
                for miss in score.misses:
                    print("  missed:", *miss)
                for false in score.false:
                    print("  false:", *false)


if __name__ == "__main__":
    main()
