"""`health_checks` (every province): health examinations (driver, employment, school,
periodic, general) recorded in the e-health book by the province's facilities."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sample.generate import people
from sample.generate.base import Defect, Output, World, setter, standard_defects
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


def _row(w: World, prov: str, seq: int) -> dict:
    rng, d = w.rng, w.run_date
    sex = rng.choice("MF")
    born = people.birth_date(rng, d, 6, 80)
    age = (d - born).days // 365
    kind = (
        "school"
        if age < 18
        else rng.choice(["driver", "employment", "periodic", "general", "driver"])
    )
    registration = rng.choice(w.old_by_new[prov]) if rng.random() < 0.7 else prov
    person = people.cccd(rng, registration, sex, born)
    if kind != "school" and rng.random() < 0.02:  # a foreign worker's passport
        person = f"{rng.choice('BCKN')}{rng.randrange(10**7):07d}"
    checked = d - timedelta(days=rng.randint(0, 60))
    conclusion = rng.choices(["fit", "conditional", "unfit"], weights=[85, 10, 5])[0]
    return {
        "check_id": f"{prov}-KSK-{seq:06d}",
        "person_id": person,
        "check_type": kind,
        "checked_on": checked,
        "facility_code": rng.choice(w.facts["facility_codes"][prov]),
        "conclusion": conclusion,
        "valid_until": None
        if conclusion == "unfit"
        else checked + timedelta(days=VALID_DAYS[kind]),
        "province_code": prov,
        "updated_at": w.fresh_stamp(),
    }


def _vietnamese(row: dict) -> dict:
    out = dict(row)
    out["check_type"] = CHECK_TYPE_VI.get(row["check_type"], row["check_type"])
    out["conclusion"] = CONCLUSION_VI.get(row["conclusion"], row["conclusion"])
    return {TO_VI[k]: v for k, v in out.items()}


def generate(w: World) -> Iterator[Output]:
    per_province = max(5, round(SHARE_OF_VISITS * w.spec.rows_per_province * w.spec.scale))
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="health_checks_export",
        header=HEADER,
        vi=TO_VI,
        make_rows=lambda prov: (_row(w, prov, seq) for seq in range(per_province)),
        rows=per_province,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
        translate=_vietnamese,
    )
