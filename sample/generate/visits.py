"""`visits` (every province): medical visits shaped after the claims XML1 table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

import numpy as np

from sample.generate import claims
from sample.generate.base import (
    Defect,
    Output,
    World,
    as_rows,
    plant_columns,
    setter,
    standard_defects,
    unit_counter,
)
from sample.generate.columns import Columns, numbered
from sample.generate.writers import province_layout

DATASET = "visits"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
# Uses the facility codes and the dead people they publish; a claims package's lines use the
# drugs' registrations and the practitioners' licences.
AFTER = ("facilities", "deaths", "drugs", "practitioners")
ICD10 = [
    "J18.9",
    "I10",
    "E11.9",
    "K29.7",
    "A09",
    "J06.9",
    "M54.5",
    "N39.0",
    "I20.9",
    "K35.8",
    "O80",
    "S52.5",
    "B34.9",
    "R50.9",
    "J45.9",
    "E78.5",
    "I63.9",
    "C34.9",
    "K80.2",
    "L03.1",
]
HEADER = [
    "visit_id",
    "facility_code",
    "patient_id",
    "patient_name",
    "birth_date",
    "sex",
    "insurance_card",
    "visit_type",
    "admitted_at",
    "discharged_at",
    "icd10_main",
    "icd10_secondary",
    "total_cost",
    "insurance_paid",
    "patient_paid",
    "other_paid",
    "province_code",
    "commune_code",
    "updated_at",
]
# The claims tags; the patient's share comes in two parts (T_BNCCT + T_BNTT).
HEADER_VI = [
    "MA_LK",
    "MA_CSKCB",
    "SO_CCCD",
    "HO_TEN",
    "NGAY_SINH",
    "GIOI_TINH",
    "MA_THE_BHYT",
    "MA_LOAI_KCB",
    "NGAY_VAO",
    "NGAY_RA",
    "MA_BENH_CHINH",
    "MA_BENH_KT",
    "T_TONGCHI_BV",
    "T_BHTT",
    "T_BNCCT",
    "T_BNTT",
    "T_NGUONKHAC",
    "MATINH_CU_TRU",
    "MAXA_CU_TRU",
    "NGAY_CAP_NHAT",
]
TO_VI = dict(
    zip(
        [c for c in HEADER if c != "patient_paid"],
        [c for c in HEADER_VI if c not in {"T_BNCCT", "T_BNTT"}],
        strict=True,
    )
)
DATES = frozenset({"birth_date", "NGAY_SINH"})
STAMPS = frozenset(
    {"admitted_at", "discharged_at", "updated_at", "NGAY_VAO", "NGAY_RA", "NGAY_CAP_NHAT"}
)
AMOUNTS = frozenset(
    {
        "total_cost",
        "insurance_paid",
        "patient_paid",
        "other_paid",
        "T_TONGCHI_BV",
        "T_BHTT",
        "T_BNCCT",
        "T_BNTT",
        "T_NGUONKHAC",
    }
)


def defects(w: World) -> list[Defect]:
    d = w.run_date

    def discharge_first(row, rng, ctx):
        row["discharged_at"] = row["admitted_at"] - timedelta(days=2)

    def costs(row, rng, ctx):
        row["insurance_paid"] += 50000.0

    def future(row, rng, ctx):
        row["admitted_at"] = datetime.combine(d + timedelta(days=40), time(9))
        row["discharged_at"] = row["admitted_at"] + timedelta(days=1)

    def long_stay(row, rng, ctx):
        row["admitted_at"] = datetime.combine(d - timedelta(days=420), time(8))
        row["discharged_at"] = datetime.combine(d - timedelta(days=2), time(10))

    dead = w.facts.get("dead_people", {})  # per province (deaths.publish)

    def after_death(row, rng, ctx):
        # A clean death notice's person of the province, admitted the day after dying (a
        # warning, not an error).
        who = rng.choice(dead[row["province_code"]])
        row["patient_id"], row["birth_date"] = who["person_id"], who["birth_date"]
        row["sex"] = "F" if int(who["person_id"][3]) % 2 else "M"
        row["admitted_at"] = datetime.combine(who["died_at"].date() + timedelta(days=1), time(9))
        row["discharged_at"] = row["admitted_at"] + timedelta(days=1)

    def negative_other(row, rng, ctx):  # the total still adds up: only the sign is wrong
        row["other_paid"] = -1000.0
        row["insurance_paid"] += 1000.0

    def error(kind, criterion, apply) -> Defect:
        return Defect(DATASET, kind, criterion, "error", apply)

    flip = {"M": "F", "F": "M"}
    after_death_defects = [
        Defect(
            DATASET,
            "admitted_after_death",
            "up_to_date",
            "warning",
            after_death,
            lambda row: bool(dead.get(row["province_code"])),
        )
    ]
    # The columns only a claims package fills (its totals and the sums of its lines) are not
    # broken here: the package's own defects break them (sample/generate/claims.py).
    package_only = {"drug_total", "supply_total", *claims.LINE_SUMS}
    return (
        [d for d in standard_defects(w, DATASET) if d.kind.split(".")[0] not in package_only]
        + [
            error(
                "invalid_icd10",
                "accurate",
                setter("icd10_main", lambda r, rng: rng.choice(["J189X", "18.9", "Viêm phổi"])),
            ),
            error("discharge_before_admission", "accurate", discharge_first),
            error("costs_do_not_add_up", "accurate", costs),
            error("cccd_sex_mismatch", "accurate", setter("sex", lambda r, rng: flip[r["sex"]])),
            error(
                "cccd_birth_year_mismatch",
                "accurate",
                setter(
                    "birth_date",
                    lambda r, rng: r["birth_date"].replace(year=r["birth_date"].year - 3, day=1),
                ),
            ),
            error(
                "unknown_facility",
                "accurate",
                setter("facility_code", lambda r, rng: r["province_code"] + "999"),
            ),
            error("admission_in_future", "accurate", future),
            error("invalid_insurance_card", "accurate", setter("insurance_card", "DN47912345")),
            error(
                "visit_id_too_long",
                "accurate",
                setter("visit_id", lambda r, rng: r["visit_id"] * 8),
            ),
            error("facility_code_not_digits", "accurate", setter("facility_code", "0A001")),
            error("facility_code_not_a_province", "accurate", setter("facility_code", "99001")),
            error("birth_before_1900", "accurate", setter("birth_date", "1890-01-01")),
            error("invalid_secondary_diagnosis", "accurate", setter("icd10_secondary", "J18.9;XX")),
            error("negative_other_paid", "accurate", negative_other),
            Defect(DATASET, "stay_over_365_days", "accurate", "warning", long_stay),
            Defect(
                DATASET,
                "placeholder_patient_name",
                "clean",
                "warning",
                setter("patient_name", lambda r, rng: rng.choice(["Không rõ", "test", "KHONG RO"])),
            ),
        ]
        + after_death_defects
    )


CARD_KINDS = ["DN", "HC", "GD", "TE", "HN", "CN"]
STAY_DAYS = [0, 0, 0, 1, 2, 3, 5, 7]
VISIT_TYPES = ["01", "01", "01", "02", "03", "07", "09"]
SECONDARY = [0, 0, 1, 2, 3]  # how many secondary diagnoses


def _columns(w: World, prov: str, lo: int, end: int) -> dict[str, list]:
    """The province's visits `lo` to `end` (clean) as columns, each drawn at once from the
    unit's numpy stream (`World.numpy_rng`): a visit is ~25 draws, and drawing them one at a
    time in Python was the largest part of the generator's time."""
    c, d, n = Columns(w, DATASET, prov), w.run_date, end - lo
    g = c.g

    def pick(values: list) -> list:
        return c.pick(values, n)

    patient, born_days, female = c.people(n, (0, 90), old_codes=0.7)
    sex = np.where(female, "F", "M").tolist()
    born = born_days.tolist()
    names = c.names(female)
    minute = np.datetime64(d, "m")
    admitted_m = (
        minute - g.integers(0, 31, n) * 1440 + g.integers(6, 21, n) * 60 + g.integers(0, 4, n) * 15
    )
    discharged_m = np.minimum(
        admitted_m
        + np.array(STAY_DAYS)[g.integers(0, len(STAY_DAYS), n)] * 1440
        + g.integers(1, 7, n) * 60,
        minute + 23 * 60,
    )
    total = g.integers(100, 20000, n) * 1000.0
    insured = g.random(n) < 0.9
    share = np.array([0.8, 0.95, 1.0])[g.integers(0, 3, n)]
    insurance = np.where(insured, np.round(total * share), 0.0)
    other = np.where(g.random(n) < 0.9, 0.0, np.minimum(50000.0, total - insurance))
    kinds, centres = pick(CARD_KINDS), g.integers(1, 6, n).tolist()
    card = f"%s%d{prov.replace('%', '%%')}%010d"
    cards = list(
        map(card.__mod__, zip(kinds, centres, g.integers(0, 10**10, n).tolist(), strict=True))
    )
    for i in np.flatnonzero(~insured).tolist():  # the uninsured have no card
        cards[i] = ""
    stamp, minutes = w.fresh_window()
    updated = np.datetime64(stamp, "m") + g.integers(0, minutes, n)
    return {
        "visit_id": numbered(f"{d:%y%m%d}{prov}", lo, end, 7),
        "facility_code": pick(w.facts["facility_codes"][prov]),
        "patient_id": patient,
        "patient_name": names,
        "birth_date": born,
        "sex": sex,
        "insurance_card": cards,
        "visit_type": pick(VISIT_TYPES),
        "admitted_at": admitted_m.tolist(),
        "discharged_at": discharged_m.tolist(),
        "icd10_main": pick(ICD10),
        "icd10_secondary": _secondary(g, c.pick(SECONDARY, n)),
        "total_cost": total.tolist(),
        "insurance_paid": insurance.tolist(),
        "patient_paid": (total - insurance - other).tolist(),
        "other_paid": other.tolist(),
        "province_code": [prov] * n,
        "commune_code": pick(w.communes_by_province[prov]),
        "updated_at": updated.tolist(),
    }


_ICD10 = np.array(ICD10)


def _secondary(g: np.random.Generator, counts: list[int]) -> list[str]:
    """Secondary diagnoses: `counts[i]` (0 to 3) different codes a visit, joined by `;`. Three
    codes drawn without replacement (each from those the ones before left), their joins made
    by C loops, and each visit's chosen by numpy."""
    n = len(counts)
    first = g.integers(0, len(ICD10), n)
    second = g.integers(0, len(ICD10) - 1, n)
    second += second >= first
    third = g.integers(0, len(ICD10) - 2, n)
    third += third >= np.minimum(first, second)
    third += third >= np.maximum(first, second)
    a, b, c = (_ICD10[x].tolist() for x in (first, second, third))
    made = np.array(
        [
            [""] * n,
            a,
            list(map("%s;%s".__mod__, zip(a, b, strict=True))),
            list(map("%s;%s;%s".__mod__, zip(a, b, c, strict=True))),
        ]
    )
    return made[np.asarray(counts), np.arange(n)].tolist()


SEX_CLAIMS = {"M": "1", "F": "2"}


def _as_claims(w: World, columns: dict[str, list], prov: str) -> dict[str, list]:
    """The columns in the claims spelling, under the claims tags: sex 1/2, the patient's
    share in two parts, and in about 30 % of the rows the pre-2025 province code (mapped by
    the pipeline, not a defect). A column at a time: value maps by C loops, the shares by
    numpy when all are amounts."""
    n = len(columns["visit_id"])
    out = {TO_VI[k]: v for k, v in columns.items() if k in TO_VI}
    sex = columns["sex"]
    out[TO_VI["sex"]] = list(map(SEX_CLAIMS.get, sex, sex))
    older = [c for c in w.old_by_new[prov] if c != prov]
    if older:
        old = (w.numpy_rng(DATASET, prov).random(n) < 0.3).tolist()
        out[TO_VI["province_code"]] = [
            older[0] if o and p == prov else p
            for p, o in zip(columns["province_code"], old, strict=True)
        ]
    paid = columns["patient_paid"]
    if set(map(type, paid)) <= {float}:
        amounts = np.array(paid, dtype=float)
        first = np.round(amounts * 0.6)  # round half to even, as Python's round
        out["T_BNCCT"], out["T_BNTT"] = first.tolist(), (amounts - first).tolist()
    else:  # a planted missing or unreadable share stays so in the first part
        shares = [
            (float(round(p * 0.6)), p - float(round(p * 0.6)))
            if isinstance(p, float)
            else (p, None)
            for p in paid
        ]
        out["T_BNCCT"] = [first for first, _ in shares]
        out["T_BNTT"] = [rest for _, rest in shares]
    return out


CHUNK = 5_000  # a province's visits are made, planted and written this many at a time


def generate(w: World) -> Iterator[Output]:
    """Each province's visits as its CSV export (or two), or as its claims package; a
    province's rows in parts of `CHUNK`, so that memory does not grow with the night."""
    per_province = max(5, round(w.spec.rows_per_province * w.spec.scale))
    catalogue = defects(w)
    for index, prov in w.units(DATASET):
        layout = province_layout(index)
        counter = unit_counter(index, per_province, w.spec)
        header = HEADER_VI if layout.vietnamese_headers else HEADER
        older = [c for c in w.old_by_new[prov] if c != prov]
        source = f"p{older[0]}" if index % 10 == 4 and older else f"p{prov}"  # pre-2025 code
        package = None
        if claims.sends_package(index):  # the whole claims package instead of an export
            package = claims.Package(w, index, prov, source, per_province)
        files = [("visits", 0, per_province)]
        if index % 12 == 6:  # one province splits the export over two files
            half = per_province // 2
            files = [("visits__hospital_a", 0, half), ("visits__hospital_b", half, per_province)]
        for lo in range(0, per_province, CHUNK):
            columns = _columns(w, prov, lo, min(lo + CHUNK, per_province))
            totals = list(columns["total_cost"])  # before planting: a package's lines add up
            planted = plant_columns(columns, catalogue, w.spec, w.rng, counter, {})
            if layout.vietnamese_headers or package is not None:
                columns = _as_claims(w, columns, prov)
            if package is not None:  # its XML1 rows as dicts keyed by the claims tags
                yield package.part(as_rows(columns), planted, totals)
                continue
            n = len(totals)
            for name, first, end in files:
                a, b = max(first, lo), min(end, lo + n)
                if a < b:
                    yield Output(
                        rel=w.night_path(source, f"{name}.csv"),
                        expected_status="loaded",
                        kind="visits_export",
                        header=header,
                        columns={k: v[a - lo : b - lo] for k, v in columns.items()}
                        if (a, b) != (lo, lo + n)
                        else columns,
                        layout=layout,
                        planted=[(i + lo - a, d) for i, d in planted if a <= i + lo < b],
                        dates=DATES,
                        stamps=STAMPS,
                        amounts=AMOUNTS,
                        continues=a > first,
                        offset=a - first,
                    )
