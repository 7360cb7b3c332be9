"""The simple way on a single server: serve the nightly flow from this process, without a
work pool or worker. `python -m flows.serve` (with PREFECT_API_URL set to your server).

The schedule, parameters and tags are those of the `nightly` deployment in prefect.yaml,
the deployments' source of truth: a schedule changed there changes here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from prefect.schedules import Cron, Schedule

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"


def deployment(name: str = "nightly", path: Path = PREFECT_YAML) -> dict[str, Any]:
    """The deployment `name` of prefect.yaml, as written there."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for d in config.get("deployments") or ():
        if d.get("name") == name:
            return d
    raise KeyError(f"{path} has no deployment named {name!r}")


def schedules(d: dict[str, Any]) -> list[Schedule]:
    """The active cron schedules of a prefect.yaml deployment."""
    return [
        Cron(s["cron"], timezone=s["timezone"])
        for s in d.get("schedules") or ()
        if s.get("active", True)
    ]


def main() -> None:
    from flows.nightly import nightly

    d = deployment("nightly")
    nightly.serve(
        name="nightly-served",
        schedules=schedules(d),
        parameters=d.get("parameters") or {},
        global_limit=d.get("concurrency_limit", 1),  # one writer of the warehouse at a time
        tags=d.get("tags") or [],
    )


if __name__ == "__main__":
    main()
