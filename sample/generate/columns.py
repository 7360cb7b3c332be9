"""A unit's rows drawn a column at a time from its numpy stream (`World.numpy_rng`), as
visits' are: one numpy call a column instead of a Python draw a cell (a provincial row was
10-25 draws from `World.rng`, the larger part of its time). The rows stay columns until they
are written (`base.plant_columns` makes dicts of only the rows it breaks or notes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeVar

import numpy as np

from sample.generate import people
from sample.generate.base import World

T = TypeVar("T")


class Columns:
    """Draws for `n` rows at a time of one unit (dataset and province), from the unit's
    numpy stream, carried on across the unit's parts."""

    def __init__(self, w: World, dataset: str, prov: str) -> None:
        self.w, self.prov = w, prov
        self.g = w.numpy_rng(dataset, prov)
        self.day = np.datetime64(w.run_date, "D")

    def pick(self, values: Sequence[T], n: int, p: Sequence[float] | None = None) -> list[T]:
        """`n` draws from `values` (weighted by `p`, which need not add up to 1)."""
        if p is None:
            drawn = self.g.integers(0, len(values), n)
        else:
            weights = np.asarray(p, dtype=float)
            drawn = self.g.choice(len(values), n, p=weights / weights.sum())
        return list(map(values.__getitem__, drawn.tolist()))

    def chance(self, share: float, n: int) -> np.ndarray:
        """`n` booleans, each true with probability `share`."""
        return self.g.random(n) < share

    def integers(self, lo: int, hi: int, n: int) -> list[int]:
        """`n` integers `lo` to `hi`, both included."""
        return self.g.integers(lo, hi + 1, n).tolist()

    def days_before(self, lo: int, hi: int, n: int) -> np.ndarray:
        """`n` days (datetime64[D]) `lo` to `hi` (both included) before the night."""
        return self.day - self.g.integers(lo, hi + 1, n)

    def times_on(self, days: np.ndarray, hours: tuple[int, int], minutes: Sequence[int]) -> list:
        """A time on each of `days`: an hour `hours[0]` to `hours[1]` (both included) and a
        minute from `minutes`, as datetimes."""
        n = len(days)
        at = (
            days.astype("datetime64[m]")
            + self.g.integers(hours[0], hours[1] + 1, n) * 60
            + np.asarray(minutes)[self.g.integers(0, len(minutes), n)]
        )
        return at.tolist()

    def fresh_stamps(self, n: int, days: int = 1) -> list[datetime]:
        """`n` of `World.fresh_stamp`'s stamps (to the minute)."""
        start, minutes = self.w.fresh_window(days)
        return (np.datetime64(start, "m") + self.g.integers(0, minutes, n)).tolist()

    def communes(self, n: int) -> list[str]:
        """`n` of the province's communes."""
        return self.pick(self.w.communes_by_province[self.prov], n)

    def facilities(self, n: int) -> list[str]:
        """`n` facility codes that load: the province's, or (when planting broke them all,
        as can happen at a small scale) other provinces'."""
        codes = self.w.facts["facility_codes"]
        mine = codes.get(self.prov) or sorted(c for cs in codes.values() for c in cs)
        return self.pick(mine, n)

    def names(self, female: np.ndarray) -> list[str]:
        """A full name for each person, as `people.full_name` makes them (by sex)."""
        n, g = len(female), self.g
        surnames = self.pick(people.SURNAMES, n)
        parts = [surnames]
        for women, men in ((people.MIDDLE_F, people.MIDDLE_M), (people.GIVEN_F, people.GIVEN_M)):
            # Both drawn for every row (as `pick` draws), each row taking its sex's.
            drawn_f, drawn_m = g.integers(0, len(women), n), g.integers(0, len(men), n)
            which = np.where(female, drawn_f, drawn_m + len(women))
            parts.append(list(map([*women, *men].__getitem__, which.tolist())))
        return list(map(" ".join, zip(*parts, strict=True)))

    def people(
        self,
        n: int,
        ages: tuple[int | np.ndarray, int | np.ndarray],
        *,
        on: np.ndarray | None = None,
        female: np.ndarray | None = None,
        old_codes: float = 1.0,
        dead: bool = False,
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """`n` people as (CCCD ids, birth dates as datetime64[D], whether female) that agree, as
        `people.cccd` and `people.birth_date` make them: aged `ages` (years, both included,
        per row if arrays) on the days `on` (default: the night), registered in one of the
        province's pre-2025 codes (a share `old_codes` of them, where it has any) or its own;
        an id is one on a death notice only when `dead` (`people.DEAD_SERIALS`)."""
        g = self.g
        if female is None:
            female = g.random(n) < 0.5
        low, high = ages
        born = (self.day if on is None else on) - g.integers(
            np.asarray(low) * 365 + 1, np.asarray(high) * 365 + 1, n
        )
        years = born.astype("datetime64[Y]").astype(np.int64) + 1970
        olds = self.w.old_by_new.get(self.prov) or [self.prov]
        registration = g.integers(0, len(olds), n)  # as `pick` draws
        own = g.random(n) >= old_codes if old_codes < 1.0 else None
        digit = (years - 1900) // 100 * 2 + female
        if dead:
            serial = g.integers(people.DEAD_SERIALS, 10**6, n)
        else:
            serial = g.integers(0, people.DEAD_SERIALS, n)
        codes = [*olds, self.prov]  # registration codes, the province's own last
        if own is not None:
            registration = np.where(own, len(olds), registration)
        return _cccds(codes, registration, digit, years, serial), born, female


def _cccds(
    codes: list[str],
    registration: np.ndarray,
    digit: np.ndarray,
    years: np.ndarray,
    serial: np.ndarray,
) -> list[str]:
    """`people.cccd`'s ids ("0", the registration code (`codes[registration]`), the
    century-and-sex digit, the year's two digits, the serial) of each row: one number a row,
    written in 12 digits by a C loop, when every code is two digits and every digit one
    (else a row at a time)."""
    if all(len(c) == 2 and c.isdigit() for c in codes) and ((digit >= 0) & (digit <= 9)).all():
        code = np.array([int(c) for c in codes], dtype=np.int64)[registration]
        number = code * 10**9 + digit * 10**8 + years % 100 * 10**6 + serial
        return list(map("%012d".__mod__, number.tolist()))
    return [
        f"0{codes[r]}{x}{y % 100:02d}{s:06d}"
        for r, x, y, s in zip(
            registration.tolist(), digit.tolist(), years.tolist(), serial.tolist(), strict=True
        )
    ]


_EPOCH = date(1970, 1, 1).toordinal()


def as_days(dates: Sequence[date]) -> np.ndarray:
    """Dates as datetime64[D] (by their ordinals: numpy's own conversion of date objects is
    several times slower)."""
    return (np.fromiter((d.toordinal() for d in dates), np.int64, len(dates)) - _EPOCH).astype(
        "datetime64[D]"
    )


def years_after(born: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    """`people.years_after` of each day of `born` (datetime64[D]): the day `years` later (28
    February for 29 February)."""
    month = born.astype("datetime64[M]")
    later = month + np.asarray(years) * 12
    day_in_month = born - month.astype("datetime64[D]")
    last_day = (later + 1).astype("datetime64[D]") - 1
    return np.minimum(later.astype("datetime64[D]") + day_in_month, last_day)


def numbered(prefix: str, lo: int, end: int, width: int) -> list[str]:
    """Row ids `lo` to `end`: `prefix` then the number in `width` digits."""
    # %-formatting by a C loop: a third faster than str.format on a night's millions of ids
    return list(map(f"{prefix.replace('%', '%%')}%0{width}d".__mod__, range(lo, end)))
