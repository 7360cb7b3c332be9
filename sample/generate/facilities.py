"""`facilities` (moh): the register of health facilities. Publishes `facility_codes`
(province -> codes that load cleanly) for the generators that reference facilities."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sample.generate import people
from sample.generate.base import Defect, Output, World, plant, setter, standard_defects

DATASET = "facilities"
HEADER = [
    "facility_code",
    "facility_name",
    "facility_type",
    "ownership",
    "province_code",
    "commune_code",
    "license_no",
    "status",
    "beds",
    "updated_at",
]
HOSPITAL_WORDS = [
    "Bệnh viện Đa khoa",
    "Bệnh viện Nhi",
    "Bệnh viện Sản Nhi",
    "Bệnh viện Y học cổ truyền",
]
KINDS = ["hospital", "medical_center", "polyclinic", "clinic", "commune_health_station"]


def defects(w: World) -> list[Defect]:
    def zero_beds(row, rng, ctx):
        row["facility_type"], row["beds"] = "hospital", 0

    return standard_defects(w, DATASET) + [
        Defect(
            DATASET,
            "facility_code_not_digits",
            "accurate",
            "error",
            setter("facility_code", "01A0B"),
        ),
        Defect(
            DATASET,
            "facility_code_not_a_province",
            "accurate",
            "error",
            setter("facility_code", "99123"),
        ),
        Defect(DATASET, "negative_beds", "accurate", "error", setter("beds", -5)),
        Defect(DATASET, "hospital_without_beds", "accurate", "warning", zero_beds),
        Defect(
            DATASET,
            "placeholder_facility_name",
            "clean",
            "warning",
            setter("facility_name", "Không rõ"),
        ),
    ]


def _facility(w: World, prov: str, prov_name: str, kind: str, n: int) -> dict[str, Any]:
    rng = w.rng
    commune = rng.choice(w.communes_by_province[prov])
    commune_name = w.ref.communes[commune][0]
    name = {
        "hospital": f"{rng.choice(HOSPITAL_WORDS)} {prov_name.replace('Thành phố ', '')}",
        "medical_center": f"Trung tâm Y tế {commune_name}",
        "polyclinic": f"Phòng khám Đa khoa {people.rng_word(rng)}",
        "clinic": f"Phòng khám {people.rng_word(rng)}",
        "commune_health_station": f"Trạm Y tế {commune_name}",
    }[kind]
    beds = (
        rng.randint(50, 1500)
        if kind == "hospital"
        else rng.randint(0, 10)
        if kind == "commune_health_station"
        else rng.randint(0, 60)
    )
    return {
        "facility_code": f"{prov}{n:03d}",  # never `999`: the unknown code
        "facility_name": name,
        "facility_type": kind,
        "ownership": "private" if kind in {"polyclinic", "clinic"} else "public",
        "province_code": prov,
        "commune_code": commune,
        "license_no": f"{rng.randrange(1, 99999):05d}/BYT-GPHĐ",
        "status": "active",
        "beds": beds,
        "updated_at": w.fresh_stamp(days=20),
    }


def generate(w: World) -> list[Output]:
    rng = w.rng
    rows: list[dict[str, Any]] = []
    per_province = max(3, round(w.spec.registry_rows_per_province * w.spec.scale**0.5))
    for prov, prov_name in w.ref.provinces.items():
        for i, n in enumerate(rng.sample(range(1, 900), per_province)):
            rows.append(_facility(w, prov, prov_name, KINDS[i % len(KINDS)], n))
    # One register file has fewer rows than the provinces' exports: plant a larger share so
    # that every kind of defect appears at the default size.
    spec = replace(w.spec, error_rate=0.12, warning_rate=0.04)
    planted = plant(rows, defects(w), spec, rng, [0, 0], {})
    broken = {rows[i]["facility_code"] for i, d in planted if d.severity == "error"}
    usable: dict[str, list[str]] = {}
    for row in rows:
        if row["facility_code"] not in broken:
            usable.setdefault(row["province_code"], []).append(row["facility_code"])
    # At a small scale planting can break all of a province's few facilities; the province's
    # other exports need one that loads, so it gets one more, clean (codes from 900 up are
    # never sampled above).
    for n, (prov, prov_name) in enumerate(w.ref.provinces.items(), start=900):
        if prov not in usable:
            rows.append(_facility(w, prov, prov_name, "hospital", n))
            usable[prov] = [rows[-1]["facility_code"]]
    w.facts["facility_codes"] = usable
    return [
        Output(
            rel=w.night_path("moh", "facilities.csv"),
            expected_status="loaded",
            kind="facilities_register",
            header=HEADER,
            rows=rows,
            planted=planted,
            stamps=frozenset({"updated_at"}),
        )
    ]
