"""`immunizations` (every province): vaccine doses given.

Clean rows keep, per province and vaccine, fewer doses n+1 than doses n (drop-out), also
after the rows planted with errors are taken away (they will be quarantined, and the
consistency rule counts only the rest): where planting breaks that, clean dose-n rows are
added at the end of the file. A province's rows are made a part at a time: how many of each
(vaccine, dose) is drawn first, the rows then in a random order of those groups, and only
the counts of the parts before the last are kept for the additions. Some provinces then get
one vaccine whose dose 2 outnumbers dose 1: the rule `immunizations.doses.consistent` flags
every dose-2 row of that group, so exactly those rows are planted as the warning
`dose_exceeds_previous_dose` (the per-row truth of a dataset-level check is the set of rows
it flags)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from itertools import compress

import numpy as np

from sample.generate import people
from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns, numbered
from sample.generate.population import provincial_outputs, rows_per_province

DATASET = "immunizations"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
AFTER = ("facilities", "births")  # a history aligns the birth doses with its births
HEADER = [
    "record_id",
    "person_id",
    "birth_date",
    "vaccine_code",
    "dose_number",
    "vaccinated_on",
    "facility_code",
    "province_code",
    "commune_code",
    "updated_at",
]
VI = {
    "record_id": "Mã mũi tiêm",
    "person_id": "Số định danh",
    "birth_date": "Ngày sinh",
    "vaccine_code": "Mã vắc xin",
    "dose_number": "Mũi số",
    "vaccinated_on": "Ngày tiêm",
    "facility_code": "Mã cơ sở tiêm chủng",
    "province_code": "Mã tỉnh",
    "commune_code": "Mã xã",
    "updated_at": "Ngày cập nhật",
}
DATES = frozenset({"birth_date", "vaccinated_on"})
STAMPS = frozenset({"updated_at"})
# Doses in the schedule of each vaccine.
SCHEDULE = {
    "BCG": 1,
    "HEPB": 1,
    "DPT_VGB_HIB": 3,
    "OPV": 3,
    "IPV": 2,
    "MR": 1,
    "MEASLES": 2,
    "DPT": 2,
    "ROTA": 2,
    "PCV": 3,
    "JE": 3,
}
INCONSISTENT_VACCINE = "JE"  # kept out of the clean rows of the provinces that get the group


def inconsistent_province(index: int) -> bool:
    """Provinces (by position) whose JE dose 2 outnumbers dose 1."""
    return index % 6 == 1


def defects(w: World) -> list[Defect]:
    d = w.run_date

    def birth_year_mismatch(row, rng, ctx):
        born = row["birth_date"]
        if not row["person_id"]:
            row["person_id"] = people.cccd(rng, row["province_code"], "M", born)
        row["birth_date"] = born.replace(year=born.year - 3, day=1)

    def before_birth(row, rng, ctx):
        row["vaccinated_on"] = row["birth_date"] - timedelta(days=rng.randint(5, 60))

    return standard_defects(w, DATASET) + [
        Defect(DATASET, "cccd_birth_year_mismatch", "accurate", "error", birth_year_mismatch),
        Defect(
            DATASET,
            "dose_out_of_range",
            "accurate",
            "error",
            setter("dose_number", lambda r, rng: rng.choice([0, 6])),
        ),
        Defect(DATASET, "vaccinated_before_birth", "accurate", "error", before_birth),
        Defect(
            DATASET,
            "vaccinated_in_future",
            "accurate",
            "error",
            setter("vaccinated_on", d + timedelta(days=30)),
        ),
        Defect(
            DATASET,
            "unknown_facility",
            "accurate",
            "error",
            setter("facility_code", lambda r, rng: r["province_code"] + "999"),
        ),
    ]


def _columns(w: World, prov: str, first: int, doses: list[tuple[str, int]]) -> dict[str, list]:
    """The province's rows from `first` on, one per (vaccine, dose) of `doses`, a column at
    a time (`columns.Columns`)."""
    c, d, n = Columns(w, DATASET, prov), w.run_date, len(doses)
    pid, born_days, _ = c.people(n, (0, 5))
    age_days = (c.day - born_days).astype(np.int64)
    given = np.minimum(
        born_days + (c.g.random(n) * np.maximum(1, age_days)).astype(np.int64), c.day
    )
    has_id = c.chance(0.85, n).tolist()  # a newborn may have no id yet
    return {
        "record_id": numbered(f"TC{d:%y%m%d}{prov}", first, first + n, 6),
        "person_id": [p if ok else "" for p, ok in zip(pid, has_id, strict=True)],
        "birth_date": born_days.tolist(),
        "vaccine_code": [vaccine for vaccine, _ in doses],
        "dose_number": [dose for _, dose in doses],
        "vaccinated_on": given.tolist(),
        "facility_code": c.facilities(n),
        "province_code": [prov] * n,
        "commune_code": c.communes(n),
        "updated_at": c.fresh_stamps(n),
    }


def _schedule(w: World, n: int, vaccines: list[str]) -> list[tuple[str, int, int]]:
    """About `n` rows with drop-out, as (vaccine, dose, rows): each dose of a vaccine given
    fewer times than the one before it. Drawn before the rows, so that a province's rows can
    be made a part at a time in a random order of these groups."""
    groups = []
    per_vaccine = max(2, n // len(vaccines))
    for vaccine in vaccines:
        given = per_vaccine
        for dose in range(1, SCHEDULE[vaccine] + 1):
            groups.append((vaccine, dose, given))
            given = max(0, given - w.rng.randint(1, 3))
    return groups


def generate(w: World) -> Iterator[Output]:
    n = rows_per_province(w, 0.4, least=12)
    index_of = {p: i for i, p in enumerate(w.provinces)}
    inconsistent = Defect(
        DATASET, "dose_exceeds_previous_dose", "accurate", "warning", lambda row, rng, ctx: None
    )
    # The unit's state, what `keep_consistent` needs of the parts before the last: per
    # (vaccine, dose) the rows no error was planted in, and the rows handed over so far.
    counts: Counter[tuple[str, int]] = Counter()
    seen = [0]
    total = [0]

    def make_part(prov: str) -> Callable[[int, int], dict[str, list]]:
        vaccines = list(SCHEDULE)
        if inconsistent_province(index_of[prov]):
            vaccines.remove(INCONSISTENT_VACCINE)
        groups = _schedule(w, n, vaccines)
        counts.clear()
        seen[0] = 0
        total[0] = sum(k for *_, k in groups)
        # Each row's group, in a random order (one byte a row, not the rows).
        order = w.numpy_rng(DATASET, prov).permutation(
            np.repeat(np.arange(len(groups), dtype=np.uint8), [k for *_, k in groups])
        )
        doses = [groups[g][:2] for g in order.tolist()]
        return lambda lo, end: _columns(w, prov, lo, doses[lo:end])

    def keep_consistent(prov: str, columns: dict[str, list], planted: list) -> dict[str, list]:
        """Count the part's rows as the consistency rule will; on the last part, add clean
        dose-n rows where planted errors left fewer of them than of dose n+1, then the
        inconsistent group."""
        n = len(columns["record_id"])
        counted = [True] * n  # the rows no error was planted in
        for i, defect in planted:
            if defect.severity == "error":
                counted[i] = False
        counts.update(
            compress(zip(columns["vaccine_code"], columns["dose_number"], strict=True), counted)
        )
        first = seen[0]
        seen[0] += n
        if seen[0] < total[0]:
            return columns
        added: list[tuple[str, int]] = []
        for vaccine, doses in SCHEDULE.items():
            for dose in range(doses, 1, -1):
                while counts.get((vaccine, dose), 0) > counts.get((vaccine, dose - 1), 0):
                    added.append((vaccine, dose - 1))
                    counts[(vaccine, dose - 1)] = counts.get((vaccine, dose - 1), 0) + 1
        if inconsistent_province(index_of[prov]):
            for dose, times in ((1, 2), (2, 3)):
                for _ in range(times):
                    if dose == 2:
                        planted.append((n + len(added), inconsistent))
                    added.append((INCONSISTENT_VACCINE, dose))
        if added:
            made = _columns(w, prov, first + n, added)
            for col, values in columns.items():  # a defect's own column: none in the added
                values.extend(made.get(col) or [None] * len(added))
        return columns

    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="immunizations_export",
        header=HEADER,
        vi=VI,
        make_part=make_part,
        rows=lambda prov: total[0],
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
        after_plant=keep_consistent,
    )
