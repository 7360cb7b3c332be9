"""What every dataset generator shares: the night's world (reference data, a seeded random
source, facts earlier generators published for later ones), defects and how to plant them,
and the file outputs the orchestrator writes."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import repeat
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np

from flows.settings import Settings
from sample.generate.writers import Layout, money, moneys
from transforms.ingest.context import make_context
from transforms.reference import Reference
from validations.model import Context, Rule, RuleSettings
from validations.registry import DATASETS
from validations.standard import standard_rules

T = TypeVar("T")


class Draws(random.Random):
    """`random.Random` with the three draws the generators make millions of times a night
    (choice, randint, randrange) taken from one `random()` call each, instead of Random's
    bit-by-bit rejection in Python (a third of the generator's time): the bias, under
    2**-30 for the ranges drawn here, does not matter for sample data. Seeded like Random
    (a string seed is hashed with SHA-512, the same in every process)."""

    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        if step != 1:
            return super().randrange(start, stop, step)
        return start + int(self.random() * (stop - start))


@dataclass
class NightSpec:
    run_date: date
    scale: float = 1.0
    seed: int = 0
    rows_per_province: int = 150  # visits; other provincial exports in proportion
    registry_rows_per_province: int = 10  # facilities; other ministry registries in proportion
    error_rate: float = 0.05
    warning_rate: float = 0.03
    # Share of clean rows that get a `note` (a pre-2025 commune code: mapped, loaded clean).
    note_rate: float = 0.03
    # The rule settings the night will check against (freshness windows, ...): planted
    # defects break the rules as configured. None: the environment's, as `vnhealth run`
    # reads them.
    rules: RuleSettings | None = None


@dataclass(frozen=True)
class Defect:
    dataset: str
    kind: str
    criterion: str
    severity: str  # error, warning, or `note`: a clean row the pipeline must load unflagged
    apply: Callable[[dict, random.Random, dict], None]  # mutates a row in place
    applies: Callable[[dict], bool] | None = None  # None: to every row


@dataclass
class Output:
    """One landing file: rows (dicts keyed by `header`, or `columns`) or raw bytes, and its
    truth."""

    rel: str  # relative to the landing root
    expected_status: str  # loaded or rejected
    kind: str
    header: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    layout: Layout = field(default_factory=Layout)
    planted: list[tuple[int, Defect]] = field(default_factory=list)  # (0-based row, defect)
    data: bytes | list[bytes] | None = None  # written as is when set (chunks in order)
    delivered_at: datetime | None = None  # local time; default: the evening of the night
    dates: frozenset[str] = frozenset()
    stamps: frozenset[str] = frozenset()
    amounts: frozenset[str] = frozenset()
    # A large file is made and written in parts, each its own Output: a part that
    # `continues` is appended to the file the parts before it began (no header), and its
    # rows are numbered in the truth from `offset` + 1 (the rows of the file before it).
    continues: bool = False
    offset: int = 0
    # The rows held as columns (lists of equal length keyed by the header's names): a large
    # file's rows stay so from drawing to writing, without a dict a row. Reading `rows` makes
    # the dicts (for the code that wants them: a history's `adjust`) and drops the columns.
    columns: dict[str, list] | None = None

    def n_rows(self) -> int:
        """How many rows the output holds (as columns or as dicts; those `release` dropped)."""
        if self.columns is not None:
            return len(next(iter(self.columns.values()), ()))
        return len(self.rows) or self._released

    def release(self) -> None:
        """Drop the rows and bytes, once written: only the truth is kept (`n_rows` still
        says how many rows there were)."""
        self._released = self.n_rows()
        self.rows, self.data = [], None

    _released: int = field(default=0, init=False, repr=False, compare=False)


def _get_rows(self: Output) -> list[dict]:
    if self.columns is not None:
        self.__dict__["_rows"], self.columns = as_rows(self.columns), None
    return self.__dict__["_rows"]


def _set_rows(self: Output, rows: list[dict]) -> None:
    self.__dict__["_rows"], self.columns = rows, None


# `rows` as a property over the dataclass's field (set by its __init__ before `columns`).
Output.rows = property(_get_rows, _set_rows)  # type: ignore[assignment]


def as_rows(columns: dict[str, list]) -> list[dict]:
    """Columns of equal length as a list of rows (dicts keyed by the columns' names)."""
    # map, not a comprehension: the loop over the rows runs in C (a quarter less time)
    return list(map(dict, map(zip, repeat(list(columns)), zip(*columns.values(), strict=True))))


@dataclass
class World:
    """The night being generated. Generators read the reference data and may publish facts
    for the generators after them in `facts` (e.g. the facility codes visits may use)."""

    spec: NightSpec
    ref: Reference
    rng: random.Random
    facts: dict[str, Any] = field(default_factory=dict)
    # What earlier nights generated into the same landing root loaded: per dataset, each
    # key's newest `updated_at` (`_truth/<date>/stamps.csv`). The night keeps the newest
    # version of a key, so a row older than that is not loaded and cannot be flagged.
    earlier: dict[str, dict[tuple[str, ...], datetime]] = field(default_factory=dict)
    # The (dataset, province) units this process makes (`units`); None: every one.
    only: frozenset[tuple[str, str]] | None = None
    # What one unit keeps while it is made (a claims package's cycle of line kinds): reset
    # with `rng` at the start of each unit, so that a unit is the same whichever process
    # makes it and whatever was made before it.
    local: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._windows: dict[int, tuple[datetime, int]] = {}  # fresh_stamp's, by width
        self._standard: dict[str, list[Defect]] = {}  # standard_defects', by dataset
        self.provinces: list[str] = list(self.ref.provinces)
        self.communes_by_province: dict[str, list[str]] = {}
        for code, (_, prov) in self.ref.communes.items():
            self.communes_by_province.setdefault(prov, []).append(code)
        self.old_by_new: dict[str, list[str]] = {}
        for old, new in self.ref.crosswalk.items():
            self.old_by_new.setdefault(new, []).append(old)
        # Pre-2025 commune codes of communes merged into one of the province's (not divided,
        # not a current code): delivered, they load clean, mapped to their successor.
        self.old_communes_by_province: dict[str, list[str]] = {}
        for old, new in sorted(self.ref.commune_successor.items()):
            if old not in self.ref.communes_divided:
                prov = self.ref.communes[new][1]
                self.old_communes_by_province.setdefault(prov, []).append(old)

    def start(self, dataset: str, prov: str = "") -> None:
        """Begin a unit: its own random stream, derived from the seed, the dataset and the
        province, so that units can be made in any order and in any process."""
        self.rng = Draws(f"{self.spec.seed}:{dataset}:{prov}")
        self.local = {}

    def units(self, dataset: str) -> Iterator[tuple[int, str]]:
        """(index, province) of the dataset's provincial files this process makes, each
        begun with `start` (its own random stream)."""
        for index, prov in enumerate(self.provinces):
            if self.only is None or (dataset, prov) in self.only:
                self.start(dataset, prov)
                yield index, prov

    @property
    def run_date(self) -> date:
        return self.spec.run_date

    def night_path(self, source: str, name: str) -> str:
        return f"{self.run_date.isoformat()}/{source}/{name}"

    def foreign_commune(self, prov: str) -> str:
        """A real commune of another province."""
        i = self.provinces.index(prov) if prov in self.provinces else 0
        return self.communes_by_province[self.provinces[(i + 7) % len(self.provinces)]][0]

    def fresh_window(self, days: int = 1) -> tuple[datetime, int]:
        """The freshness window of `fresh_stamp`: its start and its length in minutes."""
        window = self._windows.get(days)
        if window is None:  # the same for every row of the night: made once per width
            start = datetime.combine(self.run_date - timedelta(days=days), time(6))
            window = self._windows[days] = (start, int((days * 24 - 8) * 60))
        return window

    def fresh_stamp(self, days: int = 1) -> datetime:
        """An `updated_at` inside the freshness window: between `days` before the night and
        the night's evening."""
        start, minutes = self.fresh_window(days)
        return start + timedelta(minutes=int(self.rng.random() * minutes))

    def numpy_rng(self, dataset: str, prov: str) -> np.random.Generator:
        """The unit's numpy stream for columns drawn at once, seeded like `start`'s (from the
        seed, the dataset and the province) and carried on across the unit's parts."""
        key = f"numpy:{dataset}:{prov}"
        if key not in self.local:
            digest = hashlib.sha256(f"{self.spec.seed}:{dataset}:{prov}".encode()).digest()
            self.local[key] = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        return self.local[key]


def setter(col: str, value) -> Callable[[dict, random.Random, dict], None]:
    """A defect that sets one column (to a value, or to `value(row, rng)`)."""

    def apply(row, rng, ctx):
        row[col] = value(row, rng) if callable(value) else value

    return apply


def duplicate(row, rng, ctx) -> None:
    """A defect that turns the row into a copy of the nearest earlier clean row (`plant`
    puts it in `ctx["previous"]` for kinds whose name starts with `duplicate`)."""
    row.update(ctx["previous"])


def standard_defects(w: World, dataset: str) -> list[Defect]:
    """One defect per standard rule of the dataset (validations/standard.py), derived from the
    rule: its breaker's overrides, its criterion and severity, the rule's short id as kind
    (`updated_at.fresh`); the unique key is broken by copying an earlier clean row. Adding a
    dataset needs no hand-written standard defects: a generator adds only the defects of its
    dataset's own rules. Made once a night per dataset (a province's unit asks again)."""
    made = w._standard.get(dataset)
    if made is None:
        made = w._standard[dataset] = _standard_defects(w, dataset)
    return list(made)


def _standard_defects(w: World, dataset: str) -> list[Defect]:
    ds = DATASETS[dataset]
    rules = w.spec.rules or Settings().rule_settings()
    ctx = make_context(w.run_date, ds.delivered_by, w.ref, rules)
    out: list[Defect] = []
    for rule in standard_rules(ds):
        kind = rule.id.removeprefix(f"{dataset}.")
        if rule.kind == "unique":
            out.append(Defect(dataset, "duplicate_key", rule.criterion, rule.severity, duplicate))
        elif rule.breaks is not None:
            applies = _breakable(rule, ctx)
            if rule.severity == "warning":
                applies = _newest(w, dataset, rule, ctx)
            out.append(
                Defect(dataset, kind, rule.criterion, rule.severity, _breaking(rule, ctx), applies)
            )
        if rule.id.endswith(".in_province"):
            out += _old_communes(w, dataset, rule)
    return out


def _old_communes(w: World, dataset: str, in_province: Rule) -> list[Defect]:
    """Beside `in_province` (a commune of another province): a code in neither the current
    list nor the crosswalk (the same error), and, as a note on a clean row, the pre-2025 code
    of a commune merged into one of the row's province (mapped to its successor and loaded
    unflagged; `_truth/<date>/old_communes.csv`). The divided commune is the
    `commune_divided` rule's own breaker."""
    col, province_col = in_province.columns

    def old_code(row, rng, ctx):
        row[col] = rng.choice(w.old_communes_by_province[row[province_col]])

    return [
        Defect(
            dataset,
            f"{col}.unknown",
            in_province.criterion,
            in_province.severity,
            setter(col, unknown_commune(w.ref)),
        ),
        Defect(
            dataset,
            f"{col}.old_code",
            "clean",
            "note",
            old_code,
            lambda row: (
                bool(w.old_communes_by_province.get(str(row.get(province_col))))
                and is_newest(w, dataset, row)
            ),
        ),
    ]


def unknown_commune(ref: Reference) -> str:
    """A five-digit code that is neither a current commune nor a pre-2025 one."""
    known = set(ref.communes) | set(ref.commune_successor)
    return next(c for c in (f"{n:05d}" for n in range(99999, 0, -1)) if c not in known)


def _breaking(rule: Rule, ctx: Context) -> Callable[[dict, random.Random, dict], None]:
    def apply(row, rng, _ctx):
        row.update(rule.breaks(row, ctx))

    return apply


def _newest(w: World, dataset: str, rule: Rule, ctx: Context) -> Callable[[dict], bool]:
    """A warning is planted only where the broken row stays the newest version of its key
    (a stale `updated_at` on a key an earlier night delivered fresher would not be loaded)."""
    breakable = _breakable(rule, ctx)

    def applies(row: dict) -> bool:
        if not breakable(row):
            return False
        if not w.earlier.get(dataset):  # no earlier night: every row is its key's newest
            return True
        assert rule.breaks is not None
        return is_newest(w, dataset, row, rule.breaks(row, ctx).get("updated_at"))

    return applies


def is_newest(w: World, dataset: str, row: dict, stamp: object = None) -> bool:
    """Whether the row (with `stamp` as its `updated_at`, if given) is at least as new as
    what earlier nights loaded for its key, so that the night loads it."""
    earlier = w.earlier.get(dataset)
    if not earlier:
        return True
    before = earlier.get(tuple(str(row.get(k)) for k in DATASETS[dataset].key))
    at = row.get("updated_at") if stamp is None else stamp
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return before is None or not isinstance(at, datetime) or at >= before


def _breakable(rule: Rule, ctx: Context) -> Callable[[dict], bool]:
    """Whether the rule's breaker can break a row (a `commune_divided` needs a divided
    pre-2025 commune in the row's province: 10 provinces have none)."""

    def applies(row: dict) -> bool:
        if rule.breaks is None:
            return False
        try:
            rule.breaks(row, ctx)
        except LookupError:
            return False
        return True

    return applies


class UnitCounter(list):
    """`plant`'s counter ([errors, warnings]: where each cycle of kinds stands) for a
    province's file, with `position`: the dataset's rows before it in the night's order of
    provinces. Each call plants exactly the errors and warnings that fall to its rows when
    the night's rows are planted at the spec's rates in that order (the same count whatever
    the unit's random stream draws), so the units' cycles join end to end and every kind
    comes round across a night's provinces, although each file is planted on its own."""

    def __init__(self, position: int, spec: NightSpec) -> None:
        self.position = position
        super().__init__([_due(position, spec.error_rate), _due(position, spec.warning_rate)])


def _due(rows: int, rate: float) -> int:
    """How many of the first `rows` rows are planted at `rate`."""
    return math.floor(rows * rate + 1e-9)


def unit_counter(index: int, rows: int, spec: NightSpec) -> UnitCounter:
    """`plant`'s counter for the `index`-th province's file of `rows` rows (every province
    sends as many rows of a provincial dataset)."""
    return UnitCounter(index * rows, spec)


def plant(
    rows: list[dict],
    defects: list[Defect],
    spec: NightSpec,
    rng: random.Random,
    counter: list[int],
    ctx: dict,
) -> list[tuple[int, Defect]]:
    """Break a share of rows, one defect each, cycling through the kinds so every kind
    appears (a kind that does not apply to the row gives its turn to the next); a kind whose
    name starts with `duplicate` copies the nearest earlier clean row. `counter` ([errors,
    warnings]) carries the cycle across files; a `UnitCounter` also fixes how many rows are
    broken (drawn at random among all but the first), else each row is broken at the spec's
    rates. A share of the clean rows gets a `note` (`spec.note_rate`), listed with the
    planted defects: they stay clean."""
    errors = [d for d in defects if d.severity == "error"]
    warnings = [d for d in defects if d.severity == "warning"]
    notes = [d for d in defects if d.severity == "note"]
    chosen: dict[int, int] | None = None  # row -> slot, when the counts are fixed
    if isinstance(counter, UnitCounter):
        chosen = _chosen(len(rows), bool(errors), bool(warnings), spec, rng, counter)
    planted: list[tuple[int, Defect]] = []
    clean_before: int | None = None
    for i, row in enumerate(rows):
        if chosen is not None:
            slot = chosen.get(i)
        else:
            r = rng.random()
            slot = (
                0
                if r < spec.error_rate and errors
                else 1
                if r < spec.error_rate + spec.warning_rate and warnings
                else None
            )
        if slot is None:
            clean_before = i
            if notes and rng.random() < spec.note_rate:
                note = notes[i % len(notes)]
                if note.applies is None or note.applies(row):
                    note.apply(row, rng, ctx)
                    planted.append((i, note))
            continue
        pool = errors if slot == 0 else warnings
        if i == 0:
            clean_before = i
            continue
        defect = _next_applying(pool, counter, slot, row)
        if defect is None:
            clean_before = i
            continue
        if defect.kind.startswith("duplicate"):
            if clean_before is None:
                continue
            ctx["previous"] = dict(rows[clean_before])
        defect.apply(row, rng, ctx)
        planted.append((i, defect))
    return planted


def plant_columns(
    columns: dict[str, list],
    defects: list[Defect],
    spec: NightSpec,
    rng: random.Random,
    counter: UnitCounter,
    ctx: dict,
) -> list[tuple[int, Defect]]:
    """`plant` with a `UnitCounter` for rows held as columns (lists of equal length keyed by
    the columns' names), which stay columns: only the rows that get a defect or a note are
    made dicts, broken as `plant` breaks them, and written back into the columns. The rows
    to break are picked as `plant` picks them; the clean rows that get a note are drawn as
    the gaps between them (geometric: a draw a note, not one a row). The rows are then
    visited in order: a kind that does not apply gives its turn to the next (the row stays
    clean if none does), a `duplicate` copies the nearest earlier clean row (noted rows are
    clean), the cycle of kinds goes on as in `plant`."""
    n = len(next(iter(columns.values()), ()))
    errors = [d for d in defects if d.severity == "error"]
    warnings = [d for d in defects if d.severity == "warning"]
    notes = [d for d in defects if d.severity == "note"]
    chosen = _chosen(n, bool(errors), bool(warnings), spec, rng, counter)
    noted = [i for i in _gaps(n, spec.note_rate, rng) if i not in chosen] if notes else []
    planted: list[tuple[int, Defect]] = []
    broken: set[int] = set()
    for i in sorted([*chosen, *noted]):
        row = {k: column[i] for k, column in columns.items()}
        slot = chosen.get(i)
        if slot is None:  # a clean row's note
            defect = notes[i % len(notes)]
            if defect.applies is not None and not defect.applies(row):
                continue
        else:
            found = _next_applying(errors if slot == 0 else warnings, counter, slot, row)
            if found is None:  # no kind applies: the row stays clean
                continue
            defect = found
            if defect.kind.startswith("duplicate"):
                j = i - 1  # row 0 is never broken
                while j in broken:
                    j -= 1
                ctx["previous"] = {k: column[j] for k, column in columns.items()}
            broken.add(i)
        defect.apply(row, rng, ctx)
        if len(row) != len(columns):  # (a key swapped for another fails below: KeyError)
            for k in row:
                if k not in columns:  # a defect's own column: None in the other rows
                    columns[k] = [None] * n
            row = {k: row.get(k) for k in columns}  # a column the defect dropped: None
        for k, v in row.items():  # back into the columns
            columns[k][i] = v
        planted.append((i, defect))
    return planted


def _chosen(
    n: int, errors: bool, warnings: bool, spec: NightSpec, rng: random.Random, counter: UnitCounter
) -> dict[int, int]:
    """The rows of a part of `n` rows to break, each with its slot (0 error, 1 warning): as
    many as fall to its rows at the spec's rates from `counter.position` (`UnitCounter`),
    drawn at random among all but the first; the counter moves past the part."""
    start, end = counter.position, counter.position + n
    k_err = _due(end, spec.error_rate) - _due(start, spec.error_rate) if errors else 0
    k_warn = _due(end, spec.warning_rate) - _due(start, spec.warning_rate) if warnings else 0
    picked = rng.sample(range(1, n), min(max(0, n - 1), k_err + k_warn))
    counter.position = end
    return {i: 0 if k < k_err else 1 for k, i in enumerate(picked)}


def _gaps(n: int, rate: float, rng: random.Random) -> list[int]:
    """The rows of `n` that a draw at `rate` a row picks (each with probability `rate`),
    drawn as the gaps between them: one draw a picked row."""
    if rate <= 0:
        return []
    if rate >= 1:
        return list(range(n))
    log_q, i = math.log1p(-rate), -1
    picked: list[int] = []
    while True:
        i += 1 + int(math.log1p(-rng.random()) / log_q)
        if i >= n:
            return picked
        picked.append(i)


def _next_applying(pool: list[Defect], counter: list[int], slot: int, row: dict) -> Defect | None:
    """The pool's next defect in the cycle that applies to the row (None if none does)."""
    for _ in range(len(pool)):
        defect = pool[counter[slot] % len(pool)]
        counter[slot] += 1
        if defect.applies is None or defect.applies(row):
            return defect
    return None


def fmt_datetime(v: datetime | None, layout: Layout) -> str:
    if v is None:
        return ""
    if not isinstance(v, datetime):  # a planted date where a time belongs
        return v.strftime(
            "%Y%m%d%H%M"
            if layout.claims_dates
            else "%d/%m/%Y %H:%M"
            if layout.local_dates
            else "%Y-%m-%d %H:%M:%S"
        )
    # f-strings, not strftime: the same text, several times faster on millions of rows
    if layout.claims_dates:
        return f"{v.year:04d}{v.month:02d}{v.day:02d}{v.hour:02d}{v.minute:02d}"
    if layout.local_dates:
        return f"{v.day:02d}/{v.month:02d}/{v.year:04d} {v.hour:02d}:{v.minute:02d}"
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}"


def fmt_date(v: date | None, layout: Layout) -> str:
    if v is None:
        return ""
    if layout.local_dates:
        return f"{v.day:02d}/{v.month:02d}/{v.year:04d}"
    return v.isoformat()


# `fmt_datetime` and `fmt_date` as templates of `str.format`, for a C loop over many values.
_CLAIMS_TIME = "{0.year:04d}{0.month:02d}{0.day:02d}{0.hour:02d}{0.minute:02d}".format
_LOCAL_TIME = "{0.day:02d}/{0.month:02d}/{0.year:04d} {0.hour:02d}:{0.minute:02d}".format
_LOCAL_DATE = "{0.day:02d}/{0.month:02d}/{0.year:04d}".format


def fmt_datetimes(values: list[datetime], layout: Layout) -> list[str] | None:
    """`fmt_datetime` of each of `values` (all of class datetime), by C loops (None: some
    hold microseconds or a time zone in the ISO layout: take them one at a time)."""
    if layout.claims_dates or layout.local_dates:
        return list(map(_CLAIMS_TIME if layout.claims_dates else _LOCAL_TIME, values))
    if any(map(attrgetter("microsecond"), values)) or any(map(attrgetter("tzinfo"), values)):
        return None
    return list(map(str, values))  # str() is the ISO layout's text


def fmt_dates(values: list[date], layout: Layout) -> list[str] | None:
    """`fmt_date` of each of `values` (all of class date), by C loops."""
    if layout.local_dates:
        return list(map(_LOCAL_DATE, values))
    return list(map(date.isoformat, values))


def cells(row: dict, out: Output) -> list[str]:
    """A row as the strings an office writes, by column kind and the file's layout."""
    return row_writer(out)(row)


def _formats(out: Output) -> tuple[list[Callable[[Any], str]], str, str]:
    """Each column's formatting of a value that is not text, None or a boolean (by the
    column's kind and the file's layout), and the file's yes and no."""
    layout = out.layout
    yes, no = ("có", "không") if layout.local_numbers else ("true", "false")

    def stamp(v: Any) -> str:
        if v.__class__ is datetime and not layout.claims_dates and not layout.local_dates:
            # str() is the ISO layout's text, in C (when there are no microseconds)
            return str(v) if not v.microsecond else fmt_datetime(v, layout)
        return fmt_datetime(v, layout)

    def kind_of(col: str) -> Callable[[Any], str]:
        if col in out.stamps:
            return stamp
        if col in out.dates:
            return lambda v: fmt_date(v, layout)
        if col in out.amounts:
            return lambda v: money(v, layout)
        return str

    return [kind_of(col) for col in out.header], yes, no


def row_writer(out: Output) -> Callable[[dict], list[str]]:
    """`cells` for every row of `out`: each column's formatting chosen once per file."""
    formats, yes, no = _formats(out)
    columns = list(zip(out.header, formats, strict=True))

    def write(row: dict) -> list[str]:
        values = []
        for col, fmt in columns:
            v = row.get(col)
            if v is None or v.__class__ is str:
                values.append(v or "")
            elif v is True or v is False:
                values.append(yes if v else no)
            else:
                values.append(fmt(v))
        return values

    return write


def taken_columns(out: Output) -> dict[str, list[Any]]:
    """Each column of `out`'s rows as the values they hold (None where a row has none): its
    `columns` as they are, or taken from its dicts by a C loop a column. What is written and
    what the truth stamps."""
    if out.columns is not None:
        n = out.n_rows()
        return {col: out.columns.get(col) or [None] * n for col in out.header}
    return {col: list(map(dict.get, out.rows, repeat(col))) for col in out.header}


def written_columns(out: Output, taken: dict[str, list[Any]] | None = None) -> list[list[str]]:
    """Each column of `out` (from `taken_columns`, if given) as the strings `cells` gives its
    rows. A column's distinct values are formatted once each, those of one class together by
    C loops (`fmt_datetimes`, `fmt_dates`, `moneys`, str), and its cells looked up by a C
    loop: a night's times, dates and codes repeat, so the Python step per cell goes (a column
    of numbers of more than one class, where 1 == 1.0 == True, is formatted a cell at a
    time)."""
    taken = taken_columns(out) if taken is None else taken
    formats, yes, no = _formats(out)
    layout = out.layout
    columns = []
    for col, fmt in zip(out.header, formats, strict=True):
        values = taken[col]

        def cell(v: Any, fmt: Callable[[Any], str] = fmt) -> str:
            if v.__class__ is str:
                return v
            if v is None:
                return ""
            if v is True or v is False:
                return yes if v else no
            return fmt(v)

        if all_text(values):
            columns.append(values)
            continue
        classes = set(map(type, values))
        kind = (
            "stamp"
            if col in out.stamps
            else "date"
            if col in out.dates
            else "amount"
            if col in out.amounts
            else ""
        )
        if kind in ("stamp", "date") and classes <= _TIMES:
            columns.append(list(map(_kept(kind, layout, cell).__getitem__, values)))
            continue
        distinct = _distinct(values, classes)
        if distinct is None:
            columns.append(list(map(cell, values)))
            continue
        texts: dict[Any, str] = {}
        for cls in classes:
            many = _many(kind, cls, layout)
            if many is not None:
                some = (
                    list(distinct)
                    if len(classes) == 1
                    else [v for v in distinct if v.__class__ is cls]
                )
                made = many(some)
                if made is not None:
                    texts.update(zip(some, made, strict=True))
        if len(texts) < len(distinct):
            texts.update({v: cell(v) for v in distinct if v not in texts})
        columns.append(list(map(texts.__getitem__, values)))
    return columns


def all_text(values: list[Any]) -> bool:
    """Whether every value is text (`str.join` fails at the first that is not: a C loop
    several times faster than taking the values' classes, and most columns are text)."""
    try:
        "".join(values)
    except TypeError:
        return False
    return True


class KeptTexts(dict[Any, T]):
    """The texts of a column kind's values in one layout, kept by the process across the
    parts and files it writes: a night's times and dates repeat (an `updated_at` is one of the
    freshness window's ~1,000 minutes, a birth date one of ~33,000 days), so a part looks
    most of its cells up, by a C loop, instead of formatting its distinct values again."""

    LIMIT = 100_000  # values kept at most (planted values are spread): then begun again

    def __init__(self, text: Callable[[Any], T]) -> None:
        super().__init__()
        self.text = text

    def __missing__(self, value: Any) -> T:
        if len(self) >= self.LIMIT:
            self.clear()
        text = self[value] = self.text(value)
        return text


_TIMES = {datetime, date, str, type(None)}  # classes equal only to their own (no numbers)
_KEPT: dict[tuple[str, bool, bool], KeptTexts[str]] = {}


def _kept(kind: str, layout: Layout, cell: Callable[[Any], str]) -> KeptTexts[str]:
    """The process's texts of the times (`kind` stamp) or dates (date) as `layout` writes
    them; `cell` makes a text the first time (its formatting depends on no more than the
    kind and the layout's dates, for the classes of `_TIMES`)."""
    # A date's text does not depend on the claims layout: one kept for both.
    key = (kind, kind == "stamp" and layout.claims_dates, layout.local_dates)
    kept = _KEPT.get(key)
    if kept is None:
        kept = _KEPT[key] = KeptTexts(cell)
    return kept


def _many(kind: str, cls: type, layout: Layout) -> Callable[[list[Any]], list[str] | None] | None:
    """How the values of one class in a column of `kind` are formatted all at once (None: one
    at a time, by `cells`' way)."""
    if cls is str:
        return lambda vs: vs
    if cls is bool or cls is type(None):
        return None
    if kind == "stamp":
        return (lambda vs: fmt_datetimes(vs, layout)) if cls is datetime else None
    if kind == "date":
        return (lambda vs: fmt_dates(vs, layout)) if cls is date else None
    if kind == "amount":
        return (lambda vs: moneys(vs, layout)) if cls is float else None
    return lambda vs: list(map(str, vs))


def _distinct(values: list[Any], classes: set[type]) -> set[Any] | None:
    """The column's distinct values, if equal values are all written alike (None: numbers
    of two classes, or 0.0 beside -0.0, are equal but written apart; unhashable values)."""
    if len(classes & _NUMBERS) > 1:
        return None
    try:
        distinct = set(values)
    except TypeError:
        return None
    if (
        float in classes
        and 0.0 in distinct
        and any(v.__class__ is float and v == 0 and math.copysign(1.0, v) < 0 for v in values)
    ):
        return None
    return distinct


_NUMBERS = {bool, int, float}


def written_rows(out: Output) -> list[tuple[str, ...]]:
    """Every row of `out` as `cells` gives it."""
    return list(zip(*written_columns(out), strict=True)) if out.header else [() for _ in out.rows]
