"""`health_checks` (every province): health examinations (driver, employment, school,
periodic, general) recorded in the e-health book by the province's facilities."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np

from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns, numbered
from sample.generate.population import provincial_outputs

DATASET = "health_checks"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
AFTER = ("facilities",)  # uses the facility codes it publishes
HEADER = [
    "check_id",
    "person_id",
    "check_type",
    "checked_on",
    "facility_code",
    "conclusion",
    "valid_until",
    "province_code",
    "updated_at",
]
HEADER_VI = [
    "Mã lượt khám",
    "Số định danh",
    "Loại khám",
    "Ngày khám",
    "Mã cơ sở",
    "Kết luận",
    "Giá trị đến",
    "Mã tỉnh",
    "Ngày cập nhật",
]
TO_VI = dict(zip(HEADER, HEADER_VI, strict=True))
DATES = frozenset({"checked_on", "valid_until", "Ngày khám", "Giá trị đến"})
STAMPS = frozenset({"updated_at", "Ngày cập nhật"})
CHECK_TYPE_VI = {
    "general": "Khám tổng quát",
    "driver": "Khám lái xe",
    "employment": "Tuyển dụng",
    "school": "Học sinh",
    "periodic": "Khám định kỳ",
}
CONCLUSION_VI = {
    "fit": "Đủ sức khỏe",
    "unfit": "Không đủ sức khỏe",
    "conditional": "Đủ sức khỏe có điều kiện",
}
# How long a certificate of each kind of check is valid, in days (driver: 12 months).
VALID_DAYS = {"general": 365, "driver": 365, "employment": 180, "school": 365, "periodic": 365}
SHARE_OF_VISITS = 0.2


def defects(w: World) -> list[Defect]:

    def expires_before_check(row, rng, ctx):
        row["valid_until"] = row["checked_on"] - timedelta(days=rng.randint(1, 365))

    return [
        *standard_defects(w, DATASET),
        Defect(
            DATASET,
            "unknown_facility",
            "accurate",
            "error",
            setter("facility_code", lambda r, rng: r["province_code"] + "999"),
        ),
        Defect(DATASET, "valid_until_before_check", "accurate", "error", expires_before_check),
    ]


ADULT_CHECKS = ["driver", "employment", "periodic", "general", "driver"]
CONCLUSIONS = ["fit", "conditional", "unfit"]


def _columns(w: World, prov: str, lo: int, end: int) -> dict[str, list]:
    """The province's checks `lo` to `end`, a column at a time (`columns.Columns`)."""
    c, n = Columns(w, DATASET, prov), end - lo
    ids, born, _ = c.people(n, (6, 80), old_codes=0.7)
    ages = ((c.day - born).astype(np.int64) // 365).tolist()
    kinds = [
        "school" if age < 18 else kind
        for age, kind in zip(ages, c.pick(ADULT_CHECKS, n), strict=True)
    ]
    # A foreign worker's passport instead of a CCCD.
    passports = [
        f"{letter}{number:07d}"
        for letter, number in zip(c.pick("BCKN", n), c.integers(0, 10**7 - 1, n), strict=True)
    ]
    foreign = c.chance(0.02, n).tolist()
    checked = c.days_before(0, 60, n).tolist()
    conclusions = c.pick(CONCLUSIONS, n, [85, 10, 5])
    return {
        "check_id": numbered(f"{prov}-KSK-", lo, end, 6),
        "person_id": [
            passport if f and kind != "school" else pid
            for pid, passport, f, kind in zip(ids, passports, foreign, kinds, strict=True)
        ],
        "check_type": kinds,
        "checked_on": checked,
        "facility_code": c.pick(w.facts["facility_codes"][prov], n),
        "conclusion": conclusions,
        "valid_until": [
            None if conclusion == "unfit" else on + timedelta(days=VALID_DAYS[kind])
            for on, conclusion, kind in zip(checked, conclusions, kinds, strict=True)
        ],
        "province_code": [prov] * n,
        "updated_at": c.fresh_stamps(n),
    }


def _vietnamese(columns: dict[str, list]) -> dict[str, list]:
    """The columns under the Vietnamese headers, check types and conclusions spelled as
    these offices spell them (a value they do not know, as planted, kept as it is)."""
    out = {TO_VI[col]: columns[col] for col in HEADER}
    for col, spelling in (("check_type", CHECK_TYPE_VI), ("conclusion", CONCLUSION_VI)):
        values = columns[col]
        out[TO_VI[col]] = list(map(spelling.get, values, values))
    return out


def generate(w: World) -> Iterator[Output]:
    per_province = max(5, round(SHARE_OF_VISITS * w.spec.rows_per_province * w.spec.scale))
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="health_checks_export",
        header=HEADER,
        vi=TO_VI,
        make_part=lambda prov: lambda lo, end: _columns(w, prov, lo, end),
        rows=per_province,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
        translate=_vietnamese,
    )
