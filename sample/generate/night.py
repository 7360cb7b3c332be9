"""Generate a realistic landing zone for one night, with planted defects and their truth.

Each dataset has a generator module (`sample/generate/<dataset>.py`) that builds clean
rows and breaks a planned share of them in one known way each (a defect: dataset,
criterion, severity, kind). This module runs them in order, adds files that must be
rejected, makes some deliveries late or missing, writes everything as offices do, and
writes the truth files that let anyone score the pipeline (CONTRACT.md §2), plus
`deliveries.csv` (source, dataset, expected_status `late` or `missing`) for the deliveries
that went wrong on purpose.
"""

from __future__ import annotations

import csv
import heapq
import importlib
import logging
import multiprocessing as mp
import os
import pickle
import pkgutil
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from graphlib import TopologicalSorter
from itertools import compress, pairwise, repeat
from operator import is_not
from pathlib import Path
from time import process_time
from typing import Any

import sample.generate as _generators_pkg
from flows.settings import Settings
from sample.generate import visits
from sample.generate.base import (
    Draws,
    KeptTexts,
    NightSpec,
    Output,
    World,
    all_text,
    taken_columns,
    written_columns,
)
from sample.generate.writers import csv_text, write_csv
from transforms import memory
from transforms.ingest.headers import map_headers
from transforms.reference import Reference
from validations.model import LOCAL_TZ
from validations.registry import DATASETS

logger = logging.getLogger(__name__)


def generators() -> list:
    """Every `sample/generate/<dataset>.py` module with `DATASET` and `generate`, in an
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
        Output(
            w.night_path("p01", "vaccines.csv"), "rejected", "unknown_dataset", data=b"a,b\n1,2\n"
        ),
        Output(w.night_path("p79", "huong_dan.pdf"), "rejected", "stray_file", data=b"%PDF-1.4\n"),
        Output(w.night_path("p48", "visits__empty.csv"), "rejected", "empty_file", data=b""),
        Output(
            w.night_path("p31", "visits__no_patient_column.csv"),
            "rejected",
            "missing_required_column",
            data=header + b"\n" + b"x," * (len(visits.HEADER) - 2) + b"x\n",
        ),
    ]


# Deliveries that go wrong on purpose, by dataset and the position of the province in the
# reference list (deterministic for every seed and scale): a late file is written at 10:00
# the next morning, after the 06:00 cutoff (it still loads; progress.submissions says
# `late`, files.csv kind `late_delivery`); a missing one is not written at all (its rows
# and their defects leave the truth with it; submissions says `missing`). Both are listed
# in `_truth/<date>/deliveries.csv`. Only exports no other generator takes facts from.
LATE_DELIVERIES: dict[str, tuple[int, ...]] = {
    "immunizations": (2, 14),
    "deaths": (11,),
    "food_establishments": (8,),
    "procedure_status": (20,),
}
MISSING_DELIVERIES: dict[str, tuple[int, ...]] = {
    "food_establishments": (5, 17),
    "births": (9,),
    "social_protection": (23,),
    "immunizations": (30,),
}
LATE_AT = time(10)


def _deliveries(w: World, outputs: list[Output]) -> tuple[list[Output], list[tuple[str, str, str]]]:
    """Drop the missing deliveries and stamp the late ones; returns what is kept and the
    delivery truth (source, dataset, status)."""
    late_at = datetime.combine(w.run_date + timedelta(days=1), LATE_AT)
    planned: dict[str, tuple[str, str, str]] = {}
    for status, plan in (("late", LATE_DELIVERIES), ("missing", MISSING_DELIVERIES)):
        for dataset, positions in plan.items():
            for i in positions:
                if i < len(w.provinces):
                    source = f"p{w.provinces[i]}"
                    planned[w.night_path(source, f"{dataset}.csv")] = (source, dataset, status)
    kept, truth = [], []
    for o in outputs:
        delivery = planned.get(o.rel)
        if delivery is None or o.expected_status != "loaded":
            kept.append(o)
            continue
        truth.append(delivery)
        if delivery[2] == "late":
            o.delivered_at, o.kind = late_at, "late_delivery"
            kept.append(o)
    return kept, sorted(truth)


KEY_SEP = "\x1f"  # joins the parts of a key in stamps.csv
# The stamps' texts (None: not a time, the row is not loaded), kept across the process's files.
_ISO: KeptTexts[str | None] = KeptTexts(
    lambda v: v.isoformat() if isinstance(v, datetime) else None
)


def _stamps(o: Output, taken: dict[str, list[Any]]) -> list[list[str]]:
    """The columns dataset, key and updated_at of every row of `o` that loads (planted errors
    are quarantined), from its values a column (`taken_columns`): what the next nights
    generated into the same root must not go back on."""
    name = Path(o.rel).name.split(".")[0].split("__")[0]
    if o.expected_status != "loaded" or name not in DATASETS or not o.n_rows():
        return [[], [], []]
    ds = DATASETS[name]
    headers = {c: h for h, c in map_headers(o.header, ds).rename.items()}
    if "updated_at" not in headers or not all(k in headers for k in ds.key):
        return [[], [], []]
    # C loops over the columns; a night's times repeat, so each is written once.
    times: list[str | None] = list(map(_ISO.__getitem__, taken[headers["updated_at"]]))
    for i, d in o.planted:
        if d.severity == "error":
            times[i] = None
    parts = [_texts(taken[headers[k]]) for k in ds.key]
    keys = parts[0] if len(parts) == 1 else list(map(KEY_SEP.join, zip(*parts, strict=True)))
    if None in times:
        kept = list(compress(range(len(times)), map(is_not, times, repeat(None))))
        keys, times = [keys[i] for i in kept], [times[i] for i in kept]
    return [[ds.id] * len(keys), keys, times]  # type: ignore[list-item]


def _texts(values: list[Any]) -> list[str]:
    """The values as text (most key columns already are: then as they are)."""
    return values if all_text(values) else list(map(str, values))


def _earlier(out: Path, spec: NightSpec) -> dict[str, dict[tuple[str, ...], datetime]]:
    """Per dataset, each key's newest `updated_at` over the nights generated into `out`
    before `spec.run_date` (their `_truth/<date>/stamps.csv`)."""
    newest: dict[str, dict[tuple[str, ...], datetime]] = {}
    for path in sorted((out / "_truth").glob("*/stamps.csv")):
        if path.parent.name >= spec.run_date.isoformat():
            continue
        with path.open(newline="", encoding="utf-8") as fh:
            for dataset, key, stamp in csv.reader(fh):
                if dataset == "dataset":
                    continue
                at, keys = datetime.fromisoformat(stamp), newest.setdefault(dataset, {})
                parts = tuple(key.split(KEY_SEP))
                if parts not in keys or keys[parts] < at:
                    keys[parts] = at
    return newest


def _old_communes(o: Output, taken: dict[str, list[Any]], ref: Reference) -> list[tuple]:
    """The clean rows of `o` (its values a column: `taken_columns`) that deliver a pre-2025
    commune code (the `note`s planted): file, row, dataset, column, the code as delivered and
    the successor the pipeline must load instead (the delivered code kept in
    `<column>_original`). They are not in `defects.csv`: they are clean rows, loaded without
    a flag."""
    out = []
    headers: dict[str, dict[str, str]] = {}  # per dataset: column -> header
    for i, d in o.planted:
        if d.severity != "note":
            continue
        column = d.kind.split(".")[0]
        if d.dataset not in headers:
            rename = map_headers(o.header, DATASETS[d.dataset]).rename
            headers[d.dataset] = {c: h for h, c in reversed(rename.items())}
        delivered = taken[headers[d.dataset][column]][i]
        out.append((o.rel, i + 1, d.dataset, column, delivered, ref.commune_successor[delivered]))
    return sorted(out)


@dataclass
class _Truth:
    """What one unit's files leave for the truth files (plain values: a pool worker returns
    it to the parent). Its stamps, planted defects and old communes go to its part files
    (`_Night.part`), sorted, so that the parent merges them without holding the night's."""

    planted: list[tuple[str, int, str, str, str, str]] = field(default_factory=list)
    files: list[tuple[str, str, str]] = field(default_factory=list)
    deliveries: list[tuple[str, str, str]] = field(default_factory=list)
    old_communes: list[tuple] = field(default_factory=list)
    rows: int = 0
    n_planted: int = 0
    n_old_communes: int = 0
    cpu: float = 0.0  # CPU seconds its process spent on it
    pid: int = 0


@dataclass
class _Night:
    """Everything a unit needs to be made and written, the same in the parent and in a
    worker (forked after the shared generators ran, so it is not pickled)."""

    out: Path
    w: World
    adjust: Callable[[World, list[Output]], None] | None
    modules: dict[str, Any]
    parts: Path  # a unit's part files of the truth, merged in order at the end
    # The facts once the shared generators ran: each provincial unit starts from them, plus
    # what its province's units of the datasets in its `AFTER` published (`feeds`).
    shared_facts: dict[str, Any] = field(default_factory=dict)
    feeds: frozenset[str] = frozenset()  # provincial datasets whose units publish facts

    def part(self, dataset: str, prov: str | None, kind: str) -> Path:
        """The unit's part file of `kind` (stamps, defects, old_communes: CSV; facts: a
        pickle)."""
        suffix = "pickle" if kind == "facts" else "csv"
        return self.parts / f"{dataset}.{prov or ''}.{kind}.{suffix}"

    def make(self, dataset: str, prov: str | None = None) -> _Truth:
        """Make and write the dataset's files (the one province's when `prov` is given) and
        return their truth."""
        w = self.w
        w.only = None if prov is None else frozenset({(dataset, prov)})
        if prov is not None:
            w.facts = dict(self.shared_facts)
            for before in getattr(self.modules.get(dataset), "AFTER", ()):
                if before in self.feeds:
                    with self.part(before, prov, "facts").open("rb") as fh:
                        w.facts.update(pickle.load(fh))
        w.start(dataset)
        truth = _Truth()
        with self.part(dataset, prov, "stamps").open("w", newline="", encoding="utf-8") as fh:
            made = self.modules[dataset].generate(w) if dataset != BAD_FILES else bad_files(w)
            for o in made:
                kept, delivered = _deliveries(w, [o])
                truth.deliveries += delivered
                if self.adjust is not None and kept:
                    self.adjust(w, kept)
                for k in kept:
                    self.write(k, truth, fh)
        truth.planted.sort(key=lambda p: (p[0], p[1]))
        truth.old_communes.sort()
        for kind, rows in (("defects", truth.planted), ("old_communes", truth.old_communes)):
            with self.part(dataset, prov, kind).open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows(rows)
        truth.n_planted, truth.n_old_communes = len(truth.planted), len(truth.old_communes)
        truth.planted, truth.old_communes = [], []
        if prov is not None and dataset in self.feeds:  # for the province's later units
            published = {
                k: v for k, v in w.facts.items() if self.shared_facts.get(k, _NONE) is not v
            }
            with self.part(dataset, prov, "facts").open("wb") as fh:
                pickle.dump(published, fh)
        return truth

    def facts(self, dataset: str) -> None:
        """Publish the facts of a registry that publishes them before it makes its rows
        (`FACTS_FIRST`: its `generate` publishes them when called and returns its outputs
        lazily), without making its rows: its unit, made elsewhere from the same stream,
        publishes the same."""
        self.w.only = None
        self.w.start(dataset)
        self.modules[dataset].generate(self.w)

    def write(self, o: Output, truth: _Truth, stamps: Any) -> None:
        path = self.out / o.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        taken = taken_columns(o)  # the rows' values a column, for the file and the stamps
        if isinstance(o.data, bytes):
            path.write_bytes(o.data)
        elif o.data is not None:
            with path.open("ab" if o.continues else "wb") as fh:
                fh.writelines(o.data)
        else:
            write_csv(path, o.header, written_columns(o, taken), o.layout, append=o.continues)
        stamps.write(csv_text(None, _stamps(o, taken), ","))
        # Lateness is judged by when the file was written (local time).
        evening = datetime.combine(self.w.run_date, time(21, 30))
        stamp = (o.delivered_at or evening).replace(tzinfo=LOCAL_TZ).timestamp()
        os.utime(path, (stamp, stamp))
        truth.planted.extend(
            (o.rel, o.offset + i + 1, d.dataset, d.criterion, d.severity, d.kind)
            for i, d in o.planted
            if d.severity != "note"
        )
        if not o.continues:
            truth.files.append((o.rel, o.expected_status, o.kind))
        truth.old_communes.extend(
            (rel, o.offset + n, *rest) for rel, n, *rest in _old_communes(o, taken, self.w.ref)
        )
        truth.rows += o.n_rows()
        o.release()  # written: only the truth is kept


BAD_FILES = "_bad_files"  # the unit of the files that must be rejected
_NONE = object()  # a fact the shared generators did not publish (`_Night.make`)
_NIGHT: _Night | None = None  # a pool worker's night (inherited from the parent by fork)


def _in_worker(unit: tuple[str, str]) -> _Truth:
    assert _NIGHT is not None
    began = process_time()
    truth = _NIGHT.make(*unit)
    truth.cpu, truth.pid = process_time() - began, os.getpid()
    return truth


def _merge(
    path: Path, header: list[str], parts: list[Path], key: Callable[[Any], Any] | None = None
) -> None:
    """Write the sorted part files as one sorted CSV file under `header` (row numbers, the
    second column, compared as numbers); the parts are removed. A unit's files are its own,
    so its part is one stretch of the sorted whole: when no two parts overlap, they are
    copied as they are, in the order of their first rows (at 2M visit rows the defects are
    a million rows, which a merge a row at a time took 8 CPU s over, in the parent, after
    the workers were done); else merged a row at a time."""
    order = _in_order(parts, key)
    if order is not None:
        with path.open("wb") as out:
            out.write(csv_text(header, [], ",").encode("utf-8"))
            for part in order:
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out)
    else:
        with ExitStack() as stack, path.open("w", newline="", encoding="utf-8") as text:
            readers = []
            for part in parts:
                rows = stack.enter_context(part.open(newline="", encoding="utf-8"))
                readers.append(map(_typed, csv.reader(rows)))
            writer = csv.writer(text)
            writer.writerow(header)
            writer.writerows(heapq.merge(*readers, key=key))
    for part in parts:
        part.unlink()


def _typed(row: list[str]) -> list[Any]:
    """A part's row with its row number (the second column) as a number, to compare by."""
    return [row[0], int(row[1]), *row[2:]]


def _in_order(parts: list[Path], key: Callable[[Any], Any] | None) -> list[Path] | None:
    """The parts that hold rows, in the order of their first rows, if each one's first row
    comes after the last row of the one before it (None: some overlap)."""
    ranges = []
    for part in parts:
        with part.open("rb") as fh:
            first = fh.readline()
            if not first:
                continue
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 4096))
            last = fh.read().splitlines()[-1]  # a part's rows are short, one line each
        bounds = [_typed(next(csv.reader([line.decode("utf-8")]))) for line in (first, last)]
        low, high = (b if key is None else key(b) for b in bounds)
        ranges.append((low, high, part))
    ranges.sort(key=lambda r: r[0])
    for (_, high, _), (low, _, _) in pairwise(ranges):
        if not high < low:
            return None
    return [part for *_, part in ranges]


def _give_back_memory() -> None:
    """Return to the system what the shared units freed (the procedures' catalogue is
    ~440,000 rows at 8M visit rows, dropped once written; glibc keeps its blocks: 300 ->
    238 MiB in the parent at that scale), so the forked workers do not share a larger
    heap than the facts they need."""
    memory.trim_malloc(collect=True)


def _phases(modules: list) -> tuple[list, list, list]:
    """The generators made whole in the parent first (the registries, whose facts later
    generators take), then the provincial ones province by province, in any order and
    process: first those whose facts a later generator takes (deaths, births: a province's
    facts go to a part file its later units read), then the others."""
    needed = {name for m in modules for name in getattr(m, "AFTER", ())}
    provincial = [m for m in modules if getattr(m, "PROVINCIAL", False)]
    feeding = [m for m in provincial if m.DATASET in needed]
    names = {m.DATASET for m in feeding}
    assert not any(names & set(getattr(m, "AFTER", ())) for m in feeding), "one round only"
    shared = [m for m in modules if m not in provincial]
    return shared, feeding, [m for m in provincial if m not in feeding]


def generate(
    out: Path,
    spec: NightSpec,
    ref: Reference,
    adjust: Callable[[World, list[Output]], None] | None = None,
    jobs: int = 1,
) -> dict[str, int]:
    """Write the landing zone for `spec.run_date` under `out`, and its truth under
    `out/_truth/<date>/`. Deterministic for a seed, whatever `jobs`. Returns counts of what
    was written. `adjust` may change the night's outputs before they are written (a
    history's rhythm and planted anomalies, `sample.generate.history`): it is called on each
    province's file of each dataset in turn.

    Each dataset (and each province's file of a provincial one) is a unit with its own
    random stream (`World.start`): the registries and the generators others take facts from
    run first, in this process; then the provincial files, one unit each, in `jobs`
    processes (1: in this one). Streamed: each file is written as soon as it is made and
    only its truth is kept, so memory holds one province's file of one dataset, not the
    night."""
    if spec.rules is None:  # the environment's, read once (not in every unit)
        spec = replace(spec, rules=Settings().rule_settings())
    w = World(spec=spec, ref=ref, rng=Draws(spec.seed), earlier=_earlier(out, spec))
    truth_dir = out / "_truth" / spec.run_date.isoformat()
    parts = truth_dir / "_parts"
    parts.mkdir(parents=True, exist_ok=True)
    modules = generators()
    shared, feeding, pooled = _phases(modules)
    feeds = frozenset(m.DATASET for m in feeding)
    night = _Night(out, w, adjust, {m.DATASET: m for m in modules}, parts, feeds=feeds)
    rounds: list[list[tuple[str, str | None]]] = [
        [(m.DATASET, prov) for m in ms for prov in w.provinces] for ms in (feeding, pooled)
    ]
    # The truth's parts in this order, wherever their units are made.
    units: list[tuple[str, str | None]] = [(m.DATASET, None) for m in shared]
    units += [(BAD_FILES, None), *rounds[0], *rounds[1]]
    # With a pool, a registry whose facts no generator takes, or that publishes them before
    # it makes its rows (`FACTS_FIRST`: this process takes only the facts), is made in the
    # pool's first round, beside the other cores, not in this process while they wait.
    needed = {name for m in modules for name in getattr(m, "AFTER", ())}
    in_pool = [
        (m.DATASET, None)
        for m in shared
        if jobs > 1 and (m.DATASET not in needed or getattr(m, "FACTS_FIRST", False))
    ]
    began = process_time()
    made = [night.make(*unit) for unit in units[: len(shared) + 1] if unit not in in_pool]
    for dataset, _ in in_pool:
        if dataset in needed:
            night.facts(dataset)
    shared_cpu = process_time() - began
    night.shared_facts = dict(w.facts)
    rounds[0] = in_pool + rounds[0]
    if jobs <= 1:
        made += [night.make(*unit) for units_ in rounds for unit in units_]
    else:
        global _NIGHT
        _NIGHT = night
        done: dict[tuple[str, str | None], _Truth] = {}
        busiest: list[float] = []  # per round, its busiest process's CPU seconds
        _give_back_memory()  # before the fork: every worker inherits the parent's heap
        try:
            with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as pool:
                for round_ in rounds:  # the second reads what the first published
                    # The largest units first (visits, then the registries), so that no
                    # worker is left with one at the end.
                    order = sorted(round_, key=lambda u: (u[0] != visits.DATASET, u[1] is not None))
                    made_now = dict(zip(order, pool.map(_in_worker, order), strict=True))
                    per_process: dict[int, float] = {}
                    for t in made_now.values():
                        per_process[t.pid] = per_process.get(t.pid, 0.0) + t.cpu
                    busiest.append(max(per_process.values(), default=0.0))
                    done.update(made_now)
        finally:
            _NIGHT = None
        made += [done[unit] for units_ in rounds for unit in units_]
        # On a machine of `jobs` free cores the night takes about the shared part and each
        # round's busiest process: what a benchmark on a shared machine can compare.
        logger.info(
            "generator: shared units %.1f CPU s in this process; the others in %d rounds, "
            "busiest process %s CPU s; critical path %.1f CPU s",
            shared_cpu,
            len(rounds),
            " + ".join(f"{c:.1f}" for c in busiest),
            shared_cpu + sum(busiest),
        )
    for dataset in feeds:
        for prov in w.provinces:
            night.part(dataset, prov, "facts").unlink()
    with (truth_dir / "stamps.csv").open("wb") as fh:
        fh.write(b"dataset,key,updated_at\r\n")
        for unit in units:
            part = night.part(*unit, "stamps")
            fh.write(part.read_bytes())
            part.unlink()
    _merge(
        truth_dir / "defects.csv",
        ["source_file", "row_number", "dataset", "criterion", "severity", "kind"],
        [night.part(*unit, "defects") for unit in units],
        key=lambda p: (p[0], p[1]),
    )
    _merge(
        truth_dir / "old_communes.csv",
        ["source_file", "row_number", "dataset", "column", "delivered", "successor"],
        [night.part(*unit, "old_communes") for unit in units],
    )
    parts.rmdir()
    files = sorted(f for t in made for f in t.files)
    with (truth_dir / "files.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source_file", "expected_status", "kind"])
        writer.writerows(files)
    with (truth_dir / "deliveries.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "dataset", "expected_status"])
        writer.writerows(sorted(d for t in made for d in t.deliveries))
    return {
        "files": len(files),
        "defects": sum(t.n_planted for t in made),
        "old_communes": sum(t.n_old_communes for t in made),
        "rows": sum(t.rows for t in made),
    }
