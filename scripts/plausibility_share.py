"""What the plausibility aggregates and checks add to a night, as a share of its wall time
(issue 17 item 2: at most 5 %).

    .venv/bin/python scripts/plausibility_share.py [--scale 20] [--history 7]

Writes a clean history of --history small nights (scale --history-scale) and then one night
at --scale, runs them with the real nightly flow (one Prefect test server), and from the
last night's log lines `step <name>: <s> s` adds up what the checks cost: the per-dataset
aggregates (`night_stats <dataset>`, run as each dataset is finished, with its file
layouts) and the checks themselves (`plausibility`); `live_facts` (item 3) is shown apart.
The steps are timed on the night's main thread, so their sum bounds what they add to the
wall time from above. The big night's volumes jump against the small history: every
series is judged and many are flagged, the checks' dearest case. Developer tool, not run
by CI.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from prefect.testing.utilities import prefect_test_harness

from flows.nightly import backfill, nightly
from sample.generate.base import NightSpec
from sample.generate.history import generate_nights
from sample.generate.night import generate
from transforms.reference import load

STEP = re.compile(r"^step (?P<name>.+): (?P<s>[0-9.]+) s$")


class _Steps(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.steps: list[tuple[str, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        m = STEP.match(record.getMessage())
        if m:
            self.steps.append((m["name"], float(m["s"])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--history", type=int, default=7)
    parser.add_argument("--history-scale", type=float, default=0.2)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 24))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, help="folder for the temporary landing zone")
    args = parser.parse_args()
    os.environ.setdefault("VNHEALTH_PSEUDONYM_KEY", secrets.token_hex(32))
    ref = load()
    handler = _Steps()
    for name in ("flows.nightly", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(min(logger.level or logging.INFO, logging.INFO))
    # The server first: on a loaded machine it may take minutes to start.
    with (
        prefect_test_harness(server_startup_timeout=900),
        tempfile.TemporaryDirectory(prefix="plausibility-share-", dir=args.work) as tmp,
    ):
        landing, warehouse = Path(tmp) / "landing", Path(tmp) / "wh" / "warehouse.duckdb"
        last = args.end - timedelta(days=1)
        first = args.end - timedelta(days=args.history)
        began = time.perf_counter()
        small = NightSpec(run_date=last, scale=args.history_scale, seed=args.seed)
        generate_nights(landing, small, args.history, ref)
        counts = generate(landing, NightSpec(args.end, args.scale, args.seed + 100), ref)
        print(f"generated in {time.perf_counter() - began:.0f} s: last night {counts}", flush=True)
        backfill(start_date=first, end_date=last, landing=str(landing), warehouse=str(warehouse))
        handler.steps.clear()
        began = time.perf_counter()
        summary = nightly(run_date=args.end, landing=str(landing), warehouse=str(warehouse))
        wall = time.perf_counter() - began
    stats = sum(s for n, s in handler.steps if n.startswith("night_stats "))
    checks = sum(s for n, s in handler.steps if n == "plausibility")
    facts = sum(s for n, s in handler.steps if n == "live_facts")
    print(
        f"night {args.end} at scale {args.scale} after {args.history} nights at scale "
        f"{args.history_scale}: {summary['rows_in']:,} rows in, wall {wall:.1f} s"
    )
    for name, s in handler.steps:
        print(f"  step {name}: {s:.3f} s")
    print(
        f"night_stats (all datasets) {stats:.2f} s + plausibility {checks:.2f} s = "
        f"{stats + checks:.2f} s = {100 * (stats + checks) / wall:.2f} % of the night; "
        f"live_facts {facts:.2f} s = {100 * facts / wall:.2f} %"
    )


if __name__ == "__main__":
    main()
