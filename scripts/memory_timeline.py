"""Where a night's memory goes: run a command, sample the RSS of every process of its tree
every half second, and place the peak among the night's log lines.

    VNHEALTH_PSEUDONYM_KEY=... .venv/bin/python scripts/memory_timeline.py OUT -- \
        .venv/bin/vnhealth run --landing /tmp/b2m --date 2026-11-24 --warehouse W/warehouse.duckdb

writes `OUT.jsonl` (one sample a line: time and {pid: [name, rss KiB]}) and `OUT.log` (the
command's output), then prints the tree's peak, each process's own peak, and the largest
tree total between two consecutive log lines of the night (the steps: staging, finishing a
dataset, merging segments, publishing). Not run by CI (docs/benchmark.md, "Memory of the
night").
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
QUIET = ("staging: bundles", "split made ahead")  # progress lines: not steps


def _name(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    if "multiprocessing" in cmd:
        return "tracker" if "resource_tracker" in cmd else "split worker"
    return "night" if "vnhealth" in cmd else cmd[:40]


def _tree(root: int) -> dict[int, int]:
    """RSS (KiB) of `root` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    rss, todo = {}, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            statm = Path(f"/proc/{pid}/statm").read_text().split()
        except OSError:
            continue
        rss[pid] = int(statm[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    return rss


def main(out: str, argv: list[str]) -> None:
    names: dict[int, str] = {}
    samples = []
    with open(f"{out}.log", "wb") as log, open(f"{out}.jsonl", "w") as fo:
        child = subprocess.Popen(argv, stdout=log, stderr=log)
        while child.poll() is None:
            rss = _tree(child.pid)
            for pid in rss:
                names.setdefault(pid, _name(pid))
            sample = {"t": time.time(), "procs": {p: [names[p], kb] for p, kb in rss.items()}}
            samples.append(sample)
            fo.write(json.dumps(sample) + "\n")
            time.sleep(0.5)
    total = [(s["t"], sum(kb for _, kb in s["procs"].values())) for s in samples]
    t_peak, peak = max(total, key=lambda x: x[1], default=(0.0, 0))
    print(f"exit {child.returncode}; tree peak {peak >> 10} MiB at {_clock(t_peak)}")
    own: dict[str, int] = {}
    for s in samples:
        for name, kb in s["procs"].values():
            own[name] = max(own.get(name, 0), kb)
    print("each process's peak:", ", ".join(f"{n} {kb >> 10} MiB" for n, kb in own.items()))
    steps = []
    for line in Path(f"{out}.log").read_text(errors="replace").splitlines():
        m = STAMP.match(line)
        if m and not any(q in line for q in QUIET):
            when = datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S").astimezone(UTC).timestamp()
            steps.append((when, line[20:140].strip()))
    for (start, text), (end, _) in zip(steps, [*steps[1:], (float("inf"), "")], strict=True):
        window = [kb for t, kb in total if start <= t < end + 1]
        if window:
            print(f"{_clock(start)} {max(window) >> 10:5d} MiB  {text}")


def _clock(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[3:])
