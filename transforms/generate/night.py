"""Generate a realistic landing zone for one night, with planted defects and their truth.

Each dataset has a generator module (`transforms/generate/<dataset>.py`) that builds clean
rows and breaks a planned share of them in one known way each (a defect: dataset,
criterion, severity, kind). This module runs them in order, adds files that must be
rejected, writes everything as offices do, and writes the truth files that let anyone
score the pipeline (CONTRACT.md §2).
"""

from __future__ import annotations

import csv
import os
import random
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import importlib
import pkgutil
from graphlib import TopologicalSorter

import transforms.generate as _generators_pkg
from transforms.generate import visits
from transforms.generate.base import NightSpec, Output, World, cells
from transforms.generate.writers import write_csv
from transforms.reference import Reference

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")



def generators() -> list:
    """Every `transforms/generate/<dataset>.py` module with `DATASET` and `generate`, in an
    order where each runs after the generators named in its `AFTER` (whose facts it uses)."""
    modules = {}
    for info in pkgutil.iter_modules(_generators_pkg.__path__):
        module = importlib.import_module(f"{_generators_pkg.__name__}.{info.name}")
        if hasattr(module, "DATASET") and hasattr(module, "generate"):
            modules[module.DATASET] = module
    graph = {name: set(getattr(m, "AFTER", ())) for name, m in sorted(modules.items())}
    return [modules[name] for name in TopologicalSorter(graph).static_order()]

__all__ = ["NightSpec", "generate"]


def bad_files(w: World) -> list[Output]:
    """Files that must be rejected, each for one reason."""
    header = ",".join(c for c in visits.HEADER if c != "patient_id").encode()
    return [
        Output(w.night_path("p01", "vaccines.csv"), "rejected", "unknown_dataset",
               data=b"a,b\n1,2\n"),
        Output(w.night_path("p79", "huong_dan.pdf"), "rejected", "stray_file",
               data=b"%PDF-1.4\n"),
        Output(w.night_path("p48", "visits__empty.csv"), "rejected", "empty_file", data=b""),
        Output(w.night_path("p31", "visits__no_patient_column.csv"), "rejected",
               "missing_required_column",
               data=header + b"\n" + b"x," * (len(visits.HEADER) - 2) + b"x\n"),
    ]


def generate(out: Path, spec: NightSpec, ref: Reference) -> dict[str, int]:
    """Write the landing zone for `spec.run_date` under `out`, and its truth under
    `out/_truth/<date>/`. Deterministic for a seed. Returns counts of what was written."""
    w = World(spec=spec, ref=ref, rng=random.Random(spec.seed))
    outputs: list[Output] = []
    for generator in generators():
        outputs += generator.generate(w)
    outputs += bad_files(w)
    evening = datetime.combine(spec.run_date, time(21, 30))
    for o in outputs:
        path = out / o.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if o.data is not None:
            path.write_bytes(o.data)
        else:
            write_csv(path, o.header, [cells(r, o) for r in o.rows], o.layout)
        # Lateness is judged by when the file was written (local time).
        stamp = (o.delivered_at or evening).replace(tzinfo=LOCAL_TZ).timestamp()
        os.utime(path, (stamp, stamp))
    truth = out / "_truth" / spec.run_date.isoformat()
    truth.mkdir(parents=True, exist_ok=True)
    planted = sorted(((o.rel, i + 1, d) for o in outputs for i, d in o.planted),
                     key=lambda p: (p[0], p[1]))
    with (truth / "defects.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source_file", "row_number", "dataset", "criterion", "severity", "kind"])
        writer.writerows((rel, n, d.dataset, d.criterion, d.severity, d.kind)
                         for rel, n, d in planted)
    with (truth / "files.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source_file", "expected_status", "kind"])
        writer.writerows(sorted((o.rel, o.expected_status, o.kind) for o in outputs))
    return {"files": len(outputs), "defects": len(planted),
            "rows": sum(len(o.rows) for o in outputs)}
