"""Helpers the population generators share (births, deaths, immunisation, social
protection, food safety, procedures): people and provincial files.
Not a generator itself (no `DATASET`)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date

from sample.generate import people
from sample.generate.base import Defect, NightSpec, Output, World, plant_columns, unit_counter
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
    make_part: Callable[[str], Callable[[int, int], dict[str, list]]],
    rows: int | Callable[[str], int],
    catalogue: list[Defect],
    dates=frozenset(),
    stamps=frozenset(),
    amounts=frozenset(),
    spec: NightSpec | None = None,
    after_plant: Callable[[str, dict[str, list], list], dict[str, list]] | None = None,
    translate: Callable[[dict[str, list]], dict[str, list]] | None = None,
) -> Iterator[Output]:
    """One file per province (`p<NN>/<dataset>.csv`) in the office's layout, with planted defects
    cycled across provinces; each province's file is a unit of its own (`World.units`).
    `make_part(prov)` gives the province's maker of rows as columns (`part(lo, end)`: its
    rows `lo` to `end`, lists keyed by the header's names), called `CHUNK` rows at a time: a
    file is made, planted (`plant_columns`) and written a part at a time (the later parts
    appended), so that memory does not grow with the scale, and its rows stay columns.
    `rows`: how many rows every province gives, or a function of the province, asked once
    `make_part(prov)` was called (which may draw how many rows it will give).
    `after_plant(prov, columns, planted)` may append rows (with their own truth, returned as
    extra (row index, defect) pairs via `planted`); it is called on each part (`last_part(w)`
    says which is the last). `translate` turns the columns into a Vietnamese-header office's
    (its values too); default: the headers renamed by `vi`."""
    spec = spec or w.spec
    for index, prov in w.units(dataset):
        layout = province_layout(index)
        part_of = make_part(prov)
        total = rows(prov) if callable(rows) else rows
        counter = unit_counter(index, total, spec)
        written = 0
        starts = range(0, total or 1, CHUNK)  # one empty part when there are no rows
        for lo in starts:
            w.local[LAST_PART] = lo == starts[-1]
            part = part_of(lo, min(lo + CHUNK, total))
            planted = plant_columns(part, catalogue, spec, w.rng, counter, {})
            if after_plant:
                part = after_plant(prov, part, planted)
            cols = header
            if layout.vietnamese_headers:
                part = translate(part) if translate else {vi.get(k, k): v for k, v in part.items()}
                cols = [vi.get(c, c) for c in header]
            out = Output(
                rel=w.night_path(f"p{prov}", f"{dataset}.csv"),
                expected_status="loaded",
                kind=kind,
                header=cols,
                columns=part,
                layout=layout,
                planted=planted,
                dates=frozenset(dates) | {vi.get(c, c) for c in dates},
                stamps=frozenset(stamps) | {vi.get(c, c) for c in stamps},
                amounts=frozenset(amounts) | {vi.get(c, c) for c in amounts},
                continues=written > 0,
                offset=written,
            )
            yield out
            # What was handed over: a history's `adjust` may have kept or added rows.
            written += out.n_rows()


def rows_per_province(w: World, share: float, least: int = 5) -> int:
    """Rows of a provincial export, in proportion to visits."""
    return max(least, round(w.spec.rows_per_province * share * w.spec.scale))
