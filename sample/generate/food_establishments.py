"""`food_establishments` (every province): the provincial food-safety register."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sample.generate import people
from sample.generate.base import Defect, Output, World, setter, standard_defects
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


def _row(w: World, prov: str, seq: int) -> dict:
    rng, d = w.rng, w.run_date
    kind = rng.choices(list(NAME_WORDS), [2, 3, 3, 1, 3])[0]
    certified = kind != "street_food"
    inspected = d - timedelta(days=rng.randint(10, 700)) if rng.random() < 0.8 else None
    return {
        "establishment_id": f"ATTP{prov}{seq:06d}",
        "name": f"{NAME_WORDS[kind]} {people.rng_word(rng)}",
        "business_type": kind,
        "province_code": prov,
        "commune_code": rng.choice(w.communes_by_province[prov]),
        "certificate_no": f"{rng.randint(1, 999):03d}/{d.year - rng.randint(0, 2)}/ATTP-CNĐK"
        if certified
        else "",
        "certificate_valid_until": d + timedelta(days=rng.randint(30, 1000)) if certified else None,
        "last_inspected_on": inspected,
        "inspection_result": (
            rng.choices(["pass", "fail"], [19, 1])[0] if inspected else "not_inspected"
        ),
        "updated_at": w.fresh_stamp(),
    }


def generate(w: World) -> Iterator[Output]:
    n = rows_per_province(w, 0.25)
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="food_establishments_export",
        header=HEADER,
        vi=VI,
        make_rows=lambda prov: (_row(w, prov, s) for s in range(n)),
        rows=n,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
    )
