"""`deaths` (every province): death notices. Publishes `dead_people`, per province: up to
`DEAD_PEOPLE` of its clean notices of people who died at least three days before the night
(the province's visits and social protection plant their after-death warnings with them).
The ids on notices come from a reserved part of the id space (`people.DEAD_SERIALS`), which
clean rows elsewhere never draw from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns, numbered
from sample.generate.population import provincial_outputs, rows_per_province

DATASET = "deaths"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
AFTER = ("facilities",)
HEADER = [
    "notice_no",
    "person_id",
    "birth_date",
    "died_at",
    "cause_icd10",
    "place",
    "facility_code",
    "province_code",
    "commune_code",
    "updated_at",
]
VI = {
    "notice_no": "Số giấy báo tử",
    "person_id": "Số định danh",
    "birth_date": "Ngày sinh",
    "died_at": "Thời điểm tử vong",
    "cause_icd10": "Nguyên nhân tử vong (ICD-10)",
    "place": "Nơi tử vong",
    "facility_code": "Mã cơ sở",
    "province_code": "Mã tỉnh",
    "commune_code": "Mã xã",
    "updated_at": "Ngày cập nhật",
}
CAUSES = [
    "I63.9",
    "I21.9",
    "C34.9",
    "J44.9",
    "C22.0",
    "E11.9",
    "J18.9",
    "V89.2",
    "I10",
    "N18.5",
    "A41.9",
    "K74.6",
]
DATES = frozenset({"birth_date"})
STAMPS = frozenset({"died_at", "updated_at"})


def defects(w: World) -> list[Defect]:
    d = w.run_date

    def died_before_birth(row, rng, ctx):
        row["died_at"] = datetime.combine(row["birth_date"] - timedelta(days=10), time(8))

    def birth_year_mismatch(row, rng, ctx):
        row["birth_date"] = row["birth_date"].replace(year=row["birth_date"].year - 3, day=1)

    def missing_facility(row, rng, ctx):
        row["place"], row["facility_code"] = "facility", ""

    return standard_defects(w, DATASET) + [
        Defect(DATASET, "died_before_birth", "accurate", "error", died_before_birth),
        Defect(
            DATASET,
            "died_in_future",
            "accurate",
            "error",
            setter("died_at", datetime.combine(d + timedelta(days=30), time(8))),
        ),
        Defect(DATASET, "cccd_birth_year_mismatch", "accurate", "error", birth_year_mismatch),
        Defect(
            DATASET,
            "invalid_cause_icd10",
            "accurate",
            "error",
            setter("cause_icd10", lambda r, rng: rng.choice(["J189X", "Đột quỵ"])),
        ),
        Defect(DATASET, "facility_missing_at_facility", "sufficient", "error", missing_facility),
        Defect(
            DATASET,
            "unknown_facility",
            "accurate",
            "error",
            setter("facility_code", lambda r, rng: r["province_code"] + "999"),
        ),
    ]


PLACES = ["facility", "home", "other"]


def _columns(w: World, prov: str, lo: int, end: int) -> dict[str, list]:
    """The province's notices `lo` to `end`, a column at a time (`columns.Columns`)."""
    c, d, n = Columns(w, DATASET, prov), w.run_date, end - lo
    day = c.days_before(1, 60, n)
    pid, born, _ = c.people(n, (1, 100), on=day, dead=True)
    causes = c.pick(CAUSES, n)
    place = c.pick(PLACES, n, [6, 3, 1])
    facility = c.facilities(n)
    return {
        "notice_no": numbered(f"BT{d:%y%m%d}{prov}", lo, end, 5),
        "person_id": pid,
        "birth_date": born.tolist(),
        "died_at": c.times_on(day, (0, 23), (0, 10, 20, 30, 40, 50)),
        "cause_icd10": [
            cause if known else ""
            for cause, known in zip(causes, c.chance(0.9, n).tolist(), strict=True)
        ],
        "place": place,
        "facility_code": [
            f if p == "facility" else "" for f, p in zip(facility, place, strict=True)
        ],
        "province_code": [prov] * n,
        "commune_code": c.communes(n),
        "updated_at": c.fresh_stamps(n),
    }


# The dead people a province publishes: enough for its after-death warnings at any scale,
# and bounded, so that what the province's later units read does not grow with the night.
DEAD_PEOPLE = 500


def generate(w: World) -> Iterator[Output]:
    n = rows_per_province(w, 0.2)
    cutoff = datetime.combine(w.run_date - timedelta(days=3), time(0))

    def publish(prov: str, columns: dict[str, list], planted: list) -> dict[str, list]:
        """The part's clean notices of people dead for three days or more, until the province
        has `DEAD_PEOPLE` (a part of the province's notices at a time)."""
        broken = {i for i, defect in planted if defect.severity == "error"}
        dead = w.facts.setdefault("dead_people", {}).setdefault(prov, [])
        people = zip(columns["person_id"], columns["birth_date"], columns["died_at"], strict=True)
        for i, (pid, born, died) in enumerate(people):
            if len(dead) >= DEAD_PEOPLE:
                break
            if i not in broken and died <= cutoff:
                dead.append({"person_id": pid, "birth_date": born, "died_at": died})
        return columns

    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="deaths_export",
        header=HEADER,
        vi=VI,
        make_part=lambda prov: lambda lo, end: _columns(w, prov, lo, end),
        rows=n,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
        after_plant=publish,
    )
