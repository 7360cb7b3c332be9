"""`births` (every province): birth certificates (giấy chứng sinh)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

import numpy as np

from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns, numbered
from sample.generate.population import provincial_outputs, reborn, rows_per_province

DATASET = "births"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
AFTER = ("facilities",)
HEADER = [
    "certificate_no",
    "mother_id",
    "mother_birth_date",
    "born_at",
    "sex",
    "weight_grams",
    "gestational_weeks",
    "place",
    "facility_code",
    "province_code",
    "commune_code",
    "updated_at",
]
VI = {
    "certificate_no": "Số giấy chứng sinh",
    "mother_id": "Số định danh của mẹ",
    "mother_birth_date": "Ngày sinh của mẹ",
    "born_at": "Thời điểm sinh",
    "sex": "Giới tính",
    "weight_grams": "Cân nặng (gram)",
    "gestational_weeks": "Tuổi thai (tuần)",
    "place": "Nơi sinh",
    "facility_code": "Mã cơ sở",
    "province_code": "Mã tỉnh",
    "commune_code": "Mã xã",
    "updated_at": "Ngày cập nhật",
}
DATES = frozenset({"mother_birth_date"})
STAMPS = frozenset({"born_at", "updated_at"})


def defects(w: World) -> list[Defect]:
    d = w.run_date

    def mother_too_young(row, rng, ctx):
        born = row["born_at"].date() - timedelta(days=8 * 365)
        row["mother_birth_date"] = born
        row["mother_id"] = reborn(rng, row["mother_id"], born)

    def birth_year_mismatch(row, rng, ctx):
        b = row["mother_birth_date"]
        row["mother_birth_date"] = b.replace(year=b.year - 2, day=1)

    def missing_facility(row, rng, ctx):
        row["place"], row["facility_code"] = "facility", ""

    return standard_defects(w, DATASET) + [
        Defect(DATASET, "mother_under_10", "accurate", "error", mother_too_young),
        Defect(DATASET, "mother_birth_year_mismatch", "accurate", "error", birth_year_mismatch),
        Defect(
            DATASET,
            "born_in_future",
            "accurate",
            "error",
            setter("born_at", datetime.combine(d + timedelta(days=20), time(3))),
        ),
        Defect(
            DATASET,
            "weight_out_of_range",
            "accurate",
            "error",
            setter("weight_grams", lambda r, rng: rng.choice([150, 32000])),
        ),
        Defect(
            DATASET,
            "gestational_weeks_out_of_range",
            "accurate",
            "error",
            setter("gestational_weeks", lambda r, rng: rng.choice([12, 52])),
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


def _columns(w: World, prov: str, lo: int, end: int) -> dict[str, list]:
    """The province's certificates `lo` to `end`, a column at a time (`columns.Columns`)."""
    c, d, n = Columns(w, DATASET, prov), w.run_date, end - lo
    day = c.days_before(0, 30, n)
    mother_id, mother_born, _ = c.people(n, (18, 42), on=day, female=np.ones(n, dtype=bool))
    place = c.pick(PLACES, n, [17, 2, 1])
    facility = c.facilities(n)
    return {
        "certificate_no": numbered(f"CS{d:%y%m%d}{prov}", lo, end, 5),
        "mother_id": mother_id,
        "mother_birth_date": mother_born.tolist(),
        "born_at": c.times_on(day, (0, 20), (0, 15, 30, 45)),
        "sex": c.pick("MF", n),
        "weight_grams": c.integers(2300, 4200, n),
        "gestational_weeks": c.integers(36, 41, n),
        "place": place,
        "facility_code": [
            f if p == "facility" else "" for f, p in zip(facility, place, strict=True)
        ],
        "province_code": [prov] * n,
        "commune_code": c.communes(n),
        "updated_at": c.fresh_stamps(n),
    }


PLACES = ["facility", "home", "other"]


def generate(w: World) -> Iterator[Output]:
    n = rows_per_province(w, 0.25)
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="births_export",
        header=HEADER,
        vi=VI,
        make_part=lambda prov: lambda lo, end: _columns(w, prov, lo, end),
        rows=n,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
    )
