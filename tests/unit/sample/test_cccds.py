"""The CCCD ids drawn a column at a time (`columns._cccds`) are the texts `people.cccd`
writes, by their numbers when every code has two digits, else a row at a time."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest

from sample.generate import people
from sample.generate.columns import _cccds


@pytest.mark.parametrize("codes", [["01", "79", "28"], ["1", "7A", "79"]])
def test_ids_are_what_people_cccd_writes(codes):
    g = np.random.default_rng(3)
    n = 500
    registration = g.integers(0, len(codes), n)
    years = g.integers(1901, 2099, n)
    female = g.random(n) < 0.5
    serial = g.integers(0, 10**6, n)
    made = _cccds(codes, registration, (years - 1900) // 100 * 2 + female, years, serial)

    class Serial(random.Random):  # people.cccd's draw of the serial, as given
        def randrange(self, *_: int) -> int:  # type: ignore[override]
            return self.value

    rng = Serial()
    expected = []
    for r, y, f, s in zip(registration, years, female, serial, strict=True):
        rng.value = int(s)
        expected.append(people.cccd(rng, codes[r], "F" if f else "M", date(int(y), 6, 1)))
    assert made == expected
    assert all(len(pid) == 12 for pid in made) == all(len(c) == 2 for c in codes)
