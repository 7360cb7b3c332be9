"""Helpers the population generators share (births, deaths, immunisation, social
protection, food safety, procedures): people and provincial files.
Not a generator itself (no `DATASET`)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import islice

from sample.generate import people
from sample.generate.base import Defect, NightSpec, Output, World, plant, unit_counter
from sample.generate.writers import province_layout


def reborn(rng: random.Random, pid: str, born: date) -> str:
    """An id of the same registration province and sex for another birth date (digits 4–6
    follow the date)."""
    sex = "F" if int(pid[3]) % 2 else "M"
    return people.cccd(rng, pid[1:3], sex, born)


CHUNK = 5_000  # a province's rows made, planted and written at a time (when streamed)
# `World.local`'s key for whether the part `provincial_outputs` hands over is its file's last
# (a history's `adjust` completes a file there: its workbooks, its aligned vaccines).
LAST_PART = "population.last_part"


def last_part(w: World) -> bool:
    """Whether the output being handed over is the last part of its file (a file made whole
    is its own last part)."""
    return bool(w.local.get(LAST_PART, True))


def provincial_outputs(
    w: World,
    *,
    dataset: str,
    kind: str,
    header: list[str],
    vi: dict[str, str],
    make_rows: Callable[[str], Iterable[dict]],
    catalogue: list[Defect],
    dates=frozenset(),
    stamps=frozenset(),
    amounts=frozenset(),
    spec: NightSpec | None = None,
    after_plant: Callable[[str, list[dict], list], list[dict]] | None = None,
    rows: int | Callable[[str], int] | None = None,
    translate: Callable[[dict], dict] | None = None,
) -> Iterator[Output]:
    """One file per province (`p<NN>/<dataset>.csv`) in the office's layout, with planted defects
    cycled across provinces; each province's file is a unit of its own (`World.units`).
    `make_rows(prov)` gives a province's rows: a list, made and written whole, or, when
    `rows` says how many it gives (every province as many), an iterator, made, planted and
    written `CHUNK` rows at a time (the file's later parts appended), so that memory does
    not grow with the scale; `rows` may also be a function of the province, asked once
    `make_rows(prov)` was called (which may draw how many rows it will give).
    `after_plant(prov, rows, planted)` may append rows (with their own truth, returned as
    extra (row index, defect) pairs via `planted`); streamed, it is called on each part
    (`last_part(w)` says which is the last). `translate` turns a row into a Vietnamese-
    header office's (its values too); default: the headers renamed by `vi`."""
    spec = spec or w.spec
    for index, prov in w.units(dataset):
        layout = province_layout(index)
        made = make_rows(prov)
        if rows is None:
            made = list(made)
        total = len(made) if isinstance(made, list) else rows(prov) if callable(rows) else rows
        counter = unit_counter(index, total or 0, spec)
        parts = iter([(made, True)]) if isinstance(made, list) else _chunks(iter(made), total or 0)
        written = 0
        for part, last in parts:
            w.local[LAST_PART] = last
            planted = plant(part, catalogue, spec, w.rng, counter, {})
            if after_plant:
                part = after_plant(prov, part, planted)
            cols = header
            if layout.vietnamese_headers:
                part = [translate(r) for r in part] if translate else _renamed(part, vi)
                cols = [vi.get(c, c) for c in header]
            yield (
                Output(
                    rel=w.night_path(f"p{prov}", f"{dataset}.csv"),
                    expected_status="loaded",
                    kind=kind,
                    header=cols,
                    rows=part,
                    layout=layout,
                    planted=planted,
                    dates=frozenset(dates) | {vi.get(c, c) for c in dates},
                    stamps=frozenset(stamps) | {vi.get(c, c) for c in stamps},
                    amounts=frozenset(amounts) | {vi.get(c, c) for c in amounts},
                    continues=written > 0,
                    offset=written,
                )
            )
            written += len(part)


def _renamed(rows: list[dict], vi: dict[str, str]) -> list[dict]:
    """The rows with their columns renamed by `vi`: a row with the first row's columns (all
    of them, in any order) by one zip of their values, the others column by column."""
    if not rows:
        return rows
    keys = list(rows[0])
    names = [vi.get(k, k) for k in keys]
    return [
        dict(zip(names, map(r.__getitem__, keys), strict=True))
        if len(r) == len(keys)
        else {vi.get(k, k): v for k, v in r.items()}
        for r in rows
    ]


def _chunks(rows: Iterator[dict], total: int) -> Iterator[tuple[list[dict], bool]]:
    """`total` rows in lists of `CHUNK` (one empty list when there are none), each with
    whether it is the last."""
    starts = range(0, total or 1, CHUNK)
    for start in starts:
        yield list(islice(rows, CHUNK)), start == starts[-1]


def rows_per_province(w: World, share: float, least: int = 5) -> int:
    """Rows of a provincial export, in proportion to visits."""
    return max(least, round(w.spec.rows_per_province * share * w.spec.scale))
