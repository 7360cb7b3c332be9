"""The simple way on a single server: serve the nightly flow from this process, without a
work pool or worker. `python -m flows.serve` (with PREFECT_API_URL set to your server)."""

from __future__ import annotations

from prefect.schedules import Cron

from flows.nightly import nightly


def main() -> None:
    nightly.serve(
        name="nightly-served",
        schedules=[Cron("0 2 * * *", timezone="Asia/Ho_Chi_Minh")],
        parameters={"landing": "data/landing", "warehouse": "data/warehouse.duckdb"},
        global_limit=1,  # one writer of the warehouse at a time
        tags=["vnhealth", "writes-warehouse"],
    )


if __name__ == "__main__":
    main()
