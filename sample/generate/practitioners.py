"""`practitioners` (moh): the register of practising certificates (CCHN, before 2024) and
licences (GPHN, Law 15/2023 on medical examination and treatment).

Publishes, for the generators after it, the practitioners that load without a flag:
`practitioners` (rows as dicts, with the facility's `province`), `active_licences` and
`inactive_licences` (province -> licence numbers, by the facility's province)."""

from __future__ import annotations

from datetime import date, timedelta

from sample.generate import people
from sample.generate.base import (
    Defect,
    Output,
    World,
    plant,
    setter,
    standard_defects,
)
from sample.generate.writers import Layout
from transforms.text import fold

DATASET = "practitioners"
AFTER = ("facilities",)  # practitioners are registered at facilities that load
HEADER = [
    "license_no",
    "person_id",
    "full_name",
    "birth_date",
    "sex",
    "profession",
    "facility_code",
    "issued_on",
    "status",
    "updated_at",
]
PROFESSIONS = (
    ["doctor"] * 5
    + ["nurse"] * 5
    + [
        "midwife",
        "technician",
        "technician",
        "pharmacist",
        "physician_assistant",
        "physician_assistant",
        "traditional_medicine",
    ]
)
AUTHORITY = {"01": "HNO", "79": "HCM", "31": "HPG", "48": "DNA", "92": "CTO"}
GPHN_SINCE = date(2024, 1, 1)  # Law 15/2023: licences (GPHN) replace certificates (CCHN)


def authority(w: World, prov: str) -> str:
    """The provincial health department's abbreviation in licence numbers (`HNO`, `HCM`)."""
    if prov in AUTHORITY:
        return AUTHORITY[prov]
    words = fold(w.ref.provinces[prov].replace("Thành phố ", "")).split("_")
    return ("".join(x[0] for x in words) if len(words) > 1 else words[0][:3]).upper()


def defects(w: World) -> list[Defect]:

    flip = {"M": "F", "F": "M"}
    return [
        *standard_defects(w, DATASET),
        Defect(
            DATASET,
            "invalid_license_no",
            "accurate",
            "error",
            setter(
                "license_no",
                lambda r, rng: rng.choice(
                    [
                        r["license_no"].replace("/", "-"),
                        "CCHN " + r["license_no"].split("/")[0],
                        r["license_no"].lower(),
                        r["license_no"].split("-")[0],
                    ]
                ),
            ),
        ),
        Defect(
            DATASET,
            "cccd_birth_year_mismatch",
            "accurate",
            "error",
            setter(
                "birth_date",
                lambda r, rng: r["birth_date"].replace(year=r["birth_date"].year - 2, day=1),
            ),
        ),
        Defect(
            DATASET,
            "cccd_sex_mismatch",
            "accurate",
            "error",
            setter("sex", lambda r, rng: flip[r["sex"]]),
        ),
        Defect(
            DATASET,
            "issued_before_18th_birthday",
            "accurate",
            "error",
            setter("issued_on", lambda r, rng: people.years_after(r["birth_date"], 17)),
        ),
        Defect(
            DATASET,
            "unknown_facility",
            "accurate",
            "error",
            setter("facility_code", lambda r, rng: r["facility_code"][:2] + "999"),
        ),
        Defect(
            DATASET,
            "placeholder_full_name",
            "clean",
            "warning",
            setter("full_name", lambda r, rng: rng.choice(["Không rõ", "test", "xxx"])),
        ),
    ]


def _row(w: World, prov: str, facility: str, number: int) -> dict:
    rng, d = w.rng, w.run_date
    sex = rng.choice("MF")
    born = people.birth_date(rng, d, 24, 66)
    registration = rng.choice(w.old_by_new[prov]) if rng.random() < 0.8 else prov
    earliest = people.years_after(born, 22)
    latest = d - timedelta(days=30)
    issued = earliest + timedelta(days=rng.randrange(max(1, (latest - earliest).days)))
    kind = "GPHN" if issued >= GPHN_SINCE else "CCHN"
    issuer = "BYT" if rng.random() < 0.2 else authority(w, prov)
    width = 7 if number >= 10**6 else 6
    return {
        "license_no": f"{number:0{width}d}/{issuer}-{kind}",
        "person_id": people.cccd(rng, registration, sex, born),
        "full_name": people.full_name(rng, sex),
        "birth_date": born,
        "sex": sex,
        "profession": rng.choice(PROFESSIONS),
        "facility_code": facility,
        "issued_on": issued,
        "status": rng.choices(["active", "suspended", "revoked"], weights=[88, 7, 5])[0],
        "updated_at": w.fresh_stamp(days=20),
    }


def generate(w: World) -> list[Output]:
    rng = w.rng
    per_province = max(6, round(4 * w.spec.registry_rows_per_province * w.spec.scale**0.5))
    rows: list[dict] = []
    used: set[int] = set()
    for prov in w.provinces:
        for _ in range(per_province):
            number = rng.randrange(1, 400000)
            while number in used:
                number = rng.randrange(1, 400000)
            used.add(number)
            rows.append(_row(w, prov, rng.choice(w.facts["facility_codes"][prov]), number))
    rng.shuffle(rows)  # the register is not sorted by province
    planted = plant(rows, defects(w), w.spec, rng, [0, 0], {})
    # Leave out warned rows too: later generators copy a practitioner's name and dates.
    broken = {rows[i]["license_no"] for i, _ in planted}
    province_of = {
        code: prov for prov, codes in w.facts["facility_codes"].items() for code in codes
    }
    usable = [
        dict(r, province=province_of[r["facility_code"]])
        for r in rows
        if r["license_no"] not in broken
    ]
    w.facts["practitioners"] = usable
    active: dict[str, list[str]] = {}
    inactive: dict[str, list[str]] = {}
    for r in usable:
        (active if r["status"] == "active" else inactive).setdefault(r["province"], []).append(
            r["license_no"]
        )
    w.facts["active_licences"] = active
    w.facts["inactive_licences"] = inactive
    return [
        Output(
            rel=w.night_path("moh", "practitioners.csv"),
            expected_status="loaded",
            kind="practitioners_register",
            header=HEADER,
            rows=rows,
            planted=planted,
            layout=Layout(encoding="utf-8-sig", local_dates=True),
            dates=frozenset({"birth_date", "issued_on"}),
            stamps=frozenset({"updated_at"}),
        )
    ]
