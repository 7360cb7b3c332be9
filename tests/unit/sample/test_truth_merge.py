"""The truth's part files (one per unit, each sorted) become one sorted file: copied in
order when each unit's rows are a stretch of the whole, merged a row at a time when they
overlap; either way the bytes a row-at-a-time merge writes."""

from __future__ import annotations

import csv
import heapq
import io

import pytest

from sample.generate.night import _merge

HEADER = ["source_file", "row_number", "dataset", "kind"]


def _write(path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _expected(parts_rows, key) -> bytes:
    typed = [[[r[0], int(r[1]), *r[2:]] for r in rows] for rows in parts_rows]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(heapq.merge(*typed, key=key))
    return out.getvalue().encode("utf-8")


CASES = {
    # Each unit's files apart (as a night's are), handed over in another order; an empty part.
    "stretches": [
        [["2026-11-24/p02/visits.csv", "9", "visits", "a"]],
        [],
        [
            ["2026-11-24/p01/births.csv", "2", "births", "b"],
            ["2026-11-24/p01/births.csv", "10", "births", "c, quoted"],
        ],
        [["2026-11-24/p01/deaths.csv", "1", "deaths", "d"]],
    ],
    # Row numbers compared as numbers across parts that overlap: merged a row at a time.
    "overlapping": [
        [["f.csv", "2", "x", "a"], ["f.csv", "10", "x", "b"]],
        [["f.csv", "9", "x", "c"], ["g.csv", "1", "x", "d"]],
    ],
    # One part ends on the row the next begins with: not copied, merged.
    "touching": [
        [["f.csv", "1", "x", "a"], ["f.csv", "3", "x", "b"]],
        [["f.csv", "3", "x", "b"], ["f.csv", "4", "x", "c"]],
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("by_key", [True, False])
def test_merge_writes_what_a_row_merge_writes(tmp_path, case, by_key):
    key = (lambda r: (r[0], r[1])) if by_key else None
    parts = []
    for i, rows in enumerate(CASES[case]):
        parts.append(tmp_path / f"part{i}.csv")
        _write(parts[-1], rows)
    _merge(tmp_path / "out.csv", HEADER, parts, key=key)
    assert (tmp_path / "out.csv").read_bytes() == _expected(CASES[case], key)
    assert not any(p.exists() for p in parts)
