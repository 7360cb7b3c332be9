"""`prescriptions` (every province): electronic prescriptions, one per row, issued
by active practitioners of the province's facilities for registered drugs."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta

import numpy as np

from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns
from sample.generate.population import provincial_outputs

DATASET = "prescriptions"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
AFTER = ("facilities", "practitioners", "drugs")  # the codes, licences and drugs they publish
HEADER = [
    "prescription_code",
    "facility_code",
    "patient_id",
    "prescriber_license_no",
    "issued_at",
    "drug_registration_no",
    "quantity",
    "days_supply",
    "province_code",
    "updated_at",
]
HEADER_VI = [
    "Mã đơn thuốc",
    "MA_CSKCB",
    "SO_CCCD",
    "Số CCHN người kê đơn",
    "NGAY_KE_DON",
    "SO_DANG_KY",
    "SO_LUONG",
    "SO_NGAY",
    "MA_TINH",
    "NGAY_CAP_NHAT",
]
TO_VI = dict(zip(HEADER, HEADER_VI, strict=True))
STAMPS = frozenset({"issued_at", "updated_at", "NGAY_KE_DON", "NGAY_CAP_NHAT"})
CODE_CHARS = string.digits + string.ascii_lowercase
# N: ordinary; H: addictive (gây nghiện); C: psychotropic and precursors (hướng thần, tiền
# chất); T: other specially controlled drugs.
KINDS = ["N"] * 17 + ["H", "C", "T"]
SHARE_OF_VISITS = 0.4  # prescriptions per province, as a share of rows_per_province


def defects(w: World) -> list[Defect]:
    drugs = w.facts["drug_registrations"]
    inactive = [x for codes in w.facts["inactive_licences"].values() for x in codes]

    def other_facility_code(row, rng, ctx):
        # A well-formed code whose facility part is another facility of the province.
        others = [
            c for c in w.facts["facility_codes"][row["province_code"]] if c != row["facility_code"]
        ] or [row["province_code"] + "998"]
        row["prescription_code"] = rng.choice(others) + row["prescription_code"][5:]

    def unknown_facility(row, rng, ctx):
        # The code agrees with the facility, but the facility is not in the register.
        row["facility_code"] = row["province_code"] + "999"
        row["prescription_code"] = row["facility_code"] + row["prescription_code"][5:]

    def expired_registration(row, rng, ctx):
        number, _, valid_until = rng.choice(drugs["expired"])
        row["drug_registration_no"] = number
        row["issued_at"] = max(
            row["issued_at"],
            datetime.combine(valid_until + timedelta(days=rng.randint(1, 5)), time(9, 30)),
        )

    catalogue = [
        *standard_defects(w, DATASET),
        Defect(
            DATASET,
            "invalid_prescription_code",
            "accurate",
            "error",
            setter(
                "prescription_code",
                lambda r, rng: rng.choice(
                    [
                        r["prescription_code"][:-2] + "-X",
                        r["prescription_code"].replace("-", ""),
                        r["prescription_code"][:5]
                        + r["prescription_code"][5:12].upper()
                        + "Z"
                        + r["prescription_code"][12:],
                    ]
                ),
            ),
        ),
        Defect(
            DATASET, "prescription_code_of_other_facility", "accurate", "error", other_facility_code
        ),
        Defect(DATASET, "unknown_facility", "accurate", "error", unknown_facility),
        Defect(
            DATASET,
            "unknown_prescriber",
            "accurate",
            "error",
            setter(
                "prescriber_license_no", lambda r, rng: f"{rng.randrange(900000, 999999)}/BYT-CCHN"
            ),
        ),
        Defect(
            DATASET,
            "unknown_drug_registration",
            "accurate",
            "error",
            setter(
                "drug_registration_no",
                lambda r, rng: rng.choice(
                    [f"VD-{rng.randrange(50000, 99999)}-99", f"000{rng.randrange(10**9):09d}"]
                ),
            ),
        ),
        Defect(
            DATASET,
            "quantity_not_positive",
            "accurate",
            "error",
            setter("quantity", lambda r, rng: rng.choice([0, -10])),
        ),
        Defect(
            DATASET,
            "days_supply_out_of_range",
            "accurate",
            "error",
            setter("days_supply", lambda r, rng: rng.choice([0, 120, 365])),
        ),
    ]
    if inactive:
        catalogue.append(
            Defect(
                DATASET,
                "prescriber_not_active",
                "accurate",
                "error",
                setter("prescriber_license_no", lambda r, rng: rng.choice(inactive)),
            ),
        )
    if drugs["expired"]:
        catalogue.append(
            Defect(
                DATASET, "drug_registration_expired", "up_to_date", "warning", expired_registration
            )
        )
    return catalogue


def _code(w: World, facility: str, used: set[str]) -> str:
    """A code not yet used in the province (after a drawn one was: 36**7 draws, rare)."""
    rng = w.rng
    while True:
        code = (
            facility + "".join(rng.choice(CODE_CHARS) for _ in range(7)) + "-" + rng.choice(KINDS)
        )
        if code not in used:
            used.add(code)
            return code


SHORT_DAYS = (5, 7, 7, 7, 10)  # quantities 10, 14, 14, 14, 20
CHRONIC_DAYS = (30, 60, 90)
CHRONIC_SHARE = 0.05
_CHARS = np.array(list(CODE_CHARS))


def _columns(w: World, prov: str, used: set[str], lo: int, end: int) -> dict[str, list]:
    """The province's prescriptions `lo` to `end`, a column at a time from the unit's numpy
    stream (`columns.Columns`; codes unique in the province: `used`)."""
    c, d, n = Columns(w, DATASET, prov), w.run_date, end - lo
    g = c.g
    active = w.facts["active_licences"]
    licences = active.get(prov) or [x for codes in active.values() for x in codes]
    numbers = c.pick([r[0] for r in w.facts["drug_registrations"]["valid"]], n)
    patients, _, _ = c.people(n, (0, 90), old_codes=0.7)
    facilities = c.pick(w.facts["facility_codes"][prov], n)
    chars = ["".join(x) for x in _CHARS[g.integers(0, len(CODE_CHARS), (n, 7))].tolist()]
    codes = []
    for facility, middle, kind in zip(facilities, chars, c.pick(KINDS, n), strict=True):
        code = f"{facility}{middle}-{kind}"
        if code in used:
            code = _code(w, facility, used)
        used.add(code)
        codes.append(code)
    issued = (
        np.datetime64(d, "m")
        - g.integers(0, 21, n) * 1440
        + g.integers(7, 20, n) * 60
        + g.integers(0, 60, n)
    )
    # Most prescriptions are a short course, twice a day; a few a chronic one, once a day. So
    # the median quantity of a small province's night (~10 prescriptions) stays on the short
    # courses' few close values: quantity is a plausibility value (`median:quantity`), and
    # ten day counts from 3 to 90 made a 10-row median jump between nights (false findings).
    chronic = g.random(n) < CHRONIC_SHARE
    days = np.where(chronic, c.pick(CHRONIC_DAYS, n), c.pick(SHORT_DAYS, n))
    supply = np.where(g.random(n) < 0.9, days, 0).tolist()
    return {
        "prescription_code": codes,
        "facility_code": facilities,
        "patient_id": patients,
        "prescriber_license_no": c.pick(licences, n),
        "issued_at": issued.tolist(),
        "drug_registration_no": numbers,
        "quantity": np.where(chronic, days, days * 2).tolist(),
        "days_supply": [x or None for x in supply],
        "province_code": [prov] * n,
        "updated_at": c.fresh_stamps(n),
    }


def generate(w: World) -> Iterator[Output]:
    per_province = max(5, round(SHARE_OF_VISITS * w.spec.rows_per_province * w.spec.scale))

    def make_part(prov: str) -> Callable[[int, int], dict[str, list]]:
        used: set[str] = set()  # codes start with the facility's, so are the province's own
        return lambda lo, end: _columns(w, prov, used, lo, end)

    # Streamed a part at a time by the shared path, so memory stays flat with the scale.
    yield from provincial_outputs(
        w,
        dataset=DATASET,
        kind="prescriptions_export",
        header=HEADER,
        vi=TO_VI,
        make_part=make_part,
        catalogue=defects(w),
        stamps=STAMPS,
        rows=per_province,
    )
