"""`food_establishments` (every province): the provincial food-safety register."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np

from sample.generate import people
from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns, numbered
from sample.generate.population import (
    provincial_outputs,
    rows_per_province,
)

DATASET = "food_establishments"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
HEADER = [
    "establishment_id",
    "name",
    "business_type",
    "province_code",
    "commune_code",
    "certificate_no",
    "certificate_valid_until",
    "last_inspected_on",
    "inspection_result",
    "updated_at",
]
VI = {
    "establishment_id": "Mã cơ sở thực phẩm",
    "name": "Tên cơ sở",
    "business_type": "Loại hình kinh doanh",
    "province_code": "Mã tỉnh",
    "commune_code": "Mã xã",
    "certificate_no": "Số giấy chứng nhận",
    "certificate_valid_until": "Ngày hết hạn giấy chứng nhận",
    "last_inspected_on": "Ngày kiểm tra gần nhất",
    "inspection_result": "Kết quả kiểm tra",
    "updated_at": "Ngày cập nhật",
}
DATES = frozenset({"certificate_valid_until", "last_inspected_on"})
STAMPS = frozenset({"updated_at"})
NAME_WORDS = {
    "producer": "Công ty TNHH Thực phẩm",
    "trader": "Cửa hàng Thực phẩm",
    "restaurant": "Nhà hàng",
    "catering": "Bếp ăn tập thể",
    "street_food": "Quán",
}


def defects(w: World) -> list[Defect]:
    d = w.run_date

    def missing_certificate(row, rng, ctx):
        row["business_type"] = rng.choice(["producer", "restaurant"])
        row["certificate_no"] = ""

    def expired(row, rng, ctx):
        row["certificate_valid_until"] = d - timedelta(days=rng.randint(1, 200))

    return standard_defects(w, DATASET) + [
        Defect(DATASET, "missing_certificate", "sufficient", "error", missing_certificate),
        Defect(
            DATASET,
            "inspected_in_future",
            "accurate",
            "error",
            setter("last_inspected_on", d + timedelta(days=45)),
        ),
        Defect(DATASET, "expired_certificate", "up_to_date", "warning", expired),
    ]


def _columns(w: World, prov: str, lo: int, end: int) -> dict[str, list]:
    """The province's establishments `lo` to `end`, a column at a time from the unit's numpy
    stream (`columns.Columns`)."""
    c, d, n = Columns(w, DATASET, prov), w.run_date, end - lo
    kinds = c.pick(list(NAME_WORDS), n, [2, 3, 3, 1, 3])
    certified = [k != "street_food" for k in kinds]
    inspected = np.where(c.chance(0.8, n), c.days_before(10, 700, n), np.datetime64("NaT")).tolist()
    numbers = c.g.integers(1, 1000, n).tolist()
    years = (d.year - c.g.integers(0, 3, n)).tolist()
    valid = (c.day + c.g.integers(30, 1001, n)).tolist()
    results = c.pick(["pass", "fail"], n, [19, 1])
    return {
        "establishment_id": numbered(f"ATTP{prov}", lo, end, 6),
        "name": [
            f"{NAME_WORDS[k]} {word}"
            for k, word in zip(kinds, c.pick(people.PLACE_WORDS, n), strict=True)
        ],
        "business_type": kinds,
        "province_code": [prov] * n,
        "commune_code": c.communes(n),
        "certificate_no": [
            f"{number:03d}/{year}/ATTP-CNĐK" if ok else ""
            for number, year, ok in zip(numbers, years, certified, strict=True)
        ],
        "certificate_valid_until": [
            v if ok else None for v, ok in zip(valid, certified, strict=True)
        ],
        "last_inspected_on": inspected,
        "inspection_result": [
            r if i is not None else "not_inspected" for r, i in zip(results, inspected, strict=True)
        ],
        "updated_at": c.fresh_stamps(n),
    }


def generate(w: World) -> Iterator[Output]:
    n = rows_per_province(w, 0.25)
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="food_establishments_export",
        header=HEADER,
        vi=VI,
        make_part=lambda prov: lambda lo, end: _columns(w, prov, lo, end),
        rows=n,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
    )
