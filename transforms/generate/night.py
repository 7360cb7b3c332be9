"""Generate a realistic landing zone for one night, with planted defects and their truth.

Rows are built clean; then a planned share of them is broken in one known way each
(a defect kind: dataset, criterion, severity). The truth files say exactly which rows
were broken and how, so anyone can score the pipeline against them (CONTRACT.md §2).
"""

from __future__ import annotations

import csv
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from transforms.generate import people
from transforms.generate.writers import Layout, money, write_csv
from transforms.reference import Reference

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ICD10 = ["J18.9", "I10", "E11.9", "K29.7", "A09", "J06.9", "M54.5", "N39.0", "I20.9", "K35.8",
         "O80", "S52.5", "B34.9", "R50.9", "J45.9", "E78.5", "I63.9", "C34.9", "K80.2", "L03.1"]
HOSPITAL_WORDS = ["Bệnh viện Đa khoa", "Bệnh viện Nhi", "Bệnh viện Sản Nhi", "Bệnh viện Y học cổ truyền"]


@dataclass(frozen=True)
class Defect:
    dataset: str
    kind: str
    criterion: str
    severity: str
    apply: Callable[[dict, random.Random, dict], None]  # mutates a row in place


@dataclass
class Planted:
    source_file: str
    row_number: int
    defect: Defect


@dataclass
class NightSpec:
    run_date: date
    scale: float = 1.0
    seed: int = 0
    visits_per_province: int = 150
    facilities_per_province: int = 10
    error_rate: float = 0.05
    warning_rate: float = 0.03


# ---------------------------------------------------------------- timestamps and layouts
def _fresh_stamp(rng: random.Random, d: date, days: int = 1) -> datetime:
    start = datetime.combine(d - timedelta(days=days), time(6))
    return start + timedelta(minutes=rng.randrange(int((days * 24 - 8) * 60)))


def _fmt_dt(v: datetime | None, layout: Layout) -> str:
    if v is None:
        return ""
    if layout.vietnamese_headers:
        return v.strftime("%Y%m%d%H%M")  # the claims format
    return v.strftime("%d/%m/%Y %H:%M") if layout.local_dates else v.strftime("%Y-%m-%d %H:%M:%S")


def _fmt_date(v: date | None, layout: Layout) -> str:
    if v is None:
        return ""
    return v.strftime("%d/%m/%Y") if layout.local_dates else v.isoformat()


def province_layout(index: int) -> Layout:
    """Deterministic variety: one office in so many writes its files each way."""
    return Layout(
        encoding=("cp1258" if index % 7 == 3 else "utf-16" if index % 9 == 5
                  else "utf-8-sig" if index % 4 == 1 else "utf-8"),
        delimiter=";" if index % 5 == 2 else "\t" if index % 11 == 7 else ",",
        vietnamese_headers=index % 3 == 0,
        decomposed=index % 6 == 4,
        local_numbers=index % 3 == 0 or index % 8 == 6,
        local_dates=index % 2 == 1,
    )


# ---------------------------------------------------------------- facilities
FACILITY_HEADER = ["facility_code", "facility_name", "facility_type", "ownership", "province_code",
                   "commune_code", "license_no", "status", "beds", "updated_at"]


def _facility_rows(spec: NightSpec, rng: random.Random, ref: Reference) -> list[dict]:
    communes_by_province: dict[str, list[str]] = {}
    for code, (_, prov) in ref.communes.items():
        communes_by_province.setdefault(prov, []).append(code)
    rows = []
    per_province = max(3, round(spec.facilities_per_province * spec.scale ** 0.5))
    for prov, prov_name in ref.provinces.items():
        numbers = rng.sample(range(1, 900), per_province)
        for i, n in enumerate(numbers):
            kind = ["hospital", "medical_center", "polyclinic", "clinic",
                    "commune_health_station"][i % 5]
            commune = rng.choice(communes_by_province[prov])
            short = prov_name.replace("Thành phố ", "")
            name = {
                "hospital": f"{rng.choice(HOSPITAL_WORDS)} {short}",
                "medical_center": f"Trung tâm Y tế {ref.communes[commune][0]}",
                "polyclinic": f"Phòng khám Đa khoa {people.rng_word(rng)}",
                "clinic": f"Phòng khám {people.rng_word(rng)}",
                "commune_health_station": f"Trạm Y tế {ref.communes[commune][0]}",
            }[kind]
            rows.append({
                "facility_code": f"{prov}{n:03d}",
                "facility_name": name,
                "facility_type": kind,
                "ownership": "private" if kind in {"polyclinic", "clinic"} else "public",
                "province_code": prov,
                "commune_code": commune,
                "license_no": f"{rng.randrange(1, 99999):05d}/BYT-GPHĐ",
                "status": "active",
                "beds": rng.randint(50, 1500) if kind == "hospital" else rng.randint(0, 60)
                if kind != "commune_health_station" else rng.randint(0, 10),
                "updated_at": _fresh_stamp(rng, spec.run_date, days=20),
            })
    return rows


def _facility_defects(spec: NightSpec) -> list[Defect]:
    d = spec.run_date

    def missing_name(row, rng, ctx):
        row["facility_name"] = ""

    def bad_type(row, rng, ctx):
        row["facility_type"] = "spa"

    def zero_beds(row, rng, ctx):
        row["facility_type"], row["beds"] = "hospital", 0

    def stale(row, rng, ctx):
        row["updated_at"] = datetime.combine(d - timedelta(days=90), time(9))

    def duplicate(row, rng, ctx):
        row.update(ctx["previous"])

    def bad_commune(row, rng, ctx):
        row["commune_code"] = ctx["foreign_commune"](row["province_code"])

    return [
        Defect("facilities", "missing_facility_name", "sufficient", "error", missing_name),
        Defect("facilities", "unknown_facility_type", "accurate", "error", bad_type),
        Defect("facilities", "commune_not_in_province", "accurate", "error", bad_commune),
        Defect("facilities", "duplicate_facility_code", "clean", "error", duplicate),
        Defect("facilities", "hospital_without_beds", "accurate", "warning", zero_beds),
        Defect("facilities", "stale_registry_record", "up_to_date", "warning", stale),
    ]


# ---------------------------------------------------------------- visits
VISIT_HEADER = ["visit_id", "facility_code", "patient_id", "patient_name", "birth_date", "sex",
                "insurance_card", "visit_type", "admitted_at", "discharged_at", "icd10_main",
                "icd10_secondary", "total_cost", "insurance_paid", "patient_paid", "other_paid",
                "province_code", "commune_code", "updated_at"]
VISIT_HEADER_VI = ["MA_LK", "MA_CSKCB", "SO_CCCD", "HO_TEN", "NGAY_SINH", "GIOI_TINH",
                   "MA_THE_BHYT", "MA_LOAI_KCB", "NGAY_VAO", "NGAY_RA", "MA_BENH_CHINH",
                   "MA_BENH_KT", "T_TONGCHI_BV", "T_BHTT", "T_BNCCT", "T_BNTT", "T_NGUONKHAC",
                   "MATINH_CU_TRU", "MAXA_CU_TRU", "NGAY_CAP_NHAT"]


def _visit_row(rng: random.Random, spec: NightSpec, ref: Reference, prov: str, seq: int,
               facilities: list[str], communes: list[str], old_codes: list[str]) -> dict:
    sex = rng.choice("MF")
    born = people.birth_date(rng, spec.run_date, 0, 90)
    registration = rng.choice(old_codes) if rng.random() < 0.7 else prov
    admitted = datetime.combine(spec.run_date - timedelta(days=rng.randint(0, 30)),
                                time(rng.randint(6, 20), rng.choice([0, 15, 30, 45])))
    discharged = min(admitted + timedelta(days=rng.choice([0, 0, 0, 1, 2, 3, 5, 7]),
                                          hours=rng.randint(1, 6)),
                     datetime.combine(spec.run_date, time(23, 0)))
    total = float(rng.randrange(100, 20000) * 1000)
    insured = rng.random() < 0.9
    insurance = round(total * rng.choice([0.8, 0.95, 1.0])) if insured else 0.0
    other = 0.0 if rng.random() < 0.9 else float(min(50000, total - insurance))
    secondary = ";".join(rng.sample(ICD10, rng.choice([0, 0, 1, 2, 3])))
    return {
        "visit_id": f"{spec.run_date:%y%m%d}{prov}{seq:07d}",
        "facility_code": rng.choice(facilities),
        "patient_id": people.cccd(rng, registration, sex, born),
        "patient_name": people.full_name(rng, sex),
        "birth_date": born,
        "sex": sex,
        "insurance_card": (f"{rng.choice(['DN', 'HC', 'GD', 'TE', 'HN', 'CN'])}"
                           f"{rng.randint(1, 5)}{prov}{rng.randrange(10**10):010d}") if insured else "",
        "visit_type": f"{rng.choice([1, 1, 1, 2, 3, 7, 9]):02d}",
        "admitted_at": admitted,
        "discharged_at": discharged,
        "icd10_main": rng.choice(ICD10),
        "icd10_secondary": secondary,
        "total_cost": total,
        "insurance_paid": float(insurance),
        "patient_paid": total - insurance - other,
        "other_paid": other,
        "province_code": prov,
        "commune_code": rng.choice(communes),
        "updated_at": _fresh_stamp(rng, spec.run_date),
    }


def _visit_defects(spec: NightSpec) -> list[Defect]:
    d = spec.run_date

    def missing_id(row, rng, ctx):
        row["patient_id"] = ""

    def missing_admission(row, rng, ctx):
        row["admitted_at"] = None

    def bad_icd(row, rng, ctx):
        row["icd10_main"] = rng.choice(["J189X", "18.9", "Viêm phổi"])

    def discharge_first(row, rng, ctx):
        row["discharged_at"] = row["admitted_at"] - timedelta(days=2)

    def costs(row, rng, ctx):
        row["insurance_paid"] += 50000.0

    def sex_mismatch(row, rng, ctx):
        row["sex"] = "F" if row["sex"] == "M" else "M"

    def year_mismatch(row, rng, ctx):
        row["birth_date"] = row["birth_date"].replace(year=row["birth_date"].year - 3, day=1)

    def junk_id(row, rng, ctx):
        row["patient_id"] = rng.choice(["000000000000", "111111111111", "123456789012"])

    def duplicate(row, rng, ctx):
        row.update(ctx["previous"])

    def unknown_facility(row, rng, ctx):
        row["facility_code"] = row["province_code"] + "999"

    def unreadable_date(row, rng, ctx):
        row["admitted_at"] = "32/13/2025 25:00"

    def future(row, rng, ctx):
        row["admitted_at"] = datetime.combine(d + timedelta(days=40), time(9))
        row["discharged_at"] = row["admitted_at"] + timedelta(days=1)

    def bad_card(row, rng, ctx):
        row["insurance_card"] = "DN47912345"

    def bad_commune(row, rng, ctx):
        row["commune_code"] = ctx["foreign_commune"](row["province_code"])

    def stale(row, rng, ctx):
        row["updated_at"] = datetime.combine(d - timedelta(days=rng.randint(5, 60)), time(10))

    def long_stay(row, rng, ctx):
        row["admitted_at"] = datetime.combine(d - timedelta(days=420), time(8))
        row["discharged_at"] = datetime.combine(d - timedelta(days=2), time(10))

    def placeholder(row, rng, ctx):
        row["patient_name"] = rng.choice(["Không rõ", "test", "KHONG RO"])

    return [
        Defect("visits", "missing_patient_id", "sufficient", "error", missing_id),
        Defect("visits", "missing_admission_time", "sufficient", "error", missing_admission),
        Defect("visits", "invalid_icd10", "accurate", "error", bad_icd),
        Defect("visits", "discharge_before_admission", "accurate", "error", discharge_first),
        Defect("visits", "costs_do_not_add_up", "accurate", "error", costs),
        Defect("visits", "cccd_sex_mismatch", "accurate", "error", sex_mismatch),
        Defect("visits", "cccd_birth_year_mismatch", "accurate", "error", year_mismatch),
        Defect("visits", "junk_patient_id", "clean", "error", junk_id),
        Defect("visits", "duplicate_visit_key", "clean", "error", duplicate),
        Defect("visits", "unknown_facility", "accurate", "error", unknown_facility),
        Defect("visits", "unreadable_date", "accurate", "error", unreadable_date),
        Defect("visits", "admission_in_future", "accurate", "error", future),
        Defect("visits", "invalid_insurance_card", "accurate", "error", bad_card),
        Defect("visits", "commune_not_in_province", "accurate", "error", bad_commune),
        Defect("visits", "stale_record", "up_to_date", "warning", stale),
        Defect("visits", "stay_over_365_days", "accurate", "warning", long_stay),
        Defect("visits", "placeholder_patient_name", "clean", "warning", placeholder),
    ]


# ---------------------------------------------------------------- planting and writing
def _plant(rows: list[dict], defects: list[Defect], spec: NightSpec, rng: random.Random,
           counter: list[int], ctx: dict) -> list[tuple[int, Defect]]:
    """Break a share of rows, one defect each, cycling through the kinds so every kind
    appears; the duplicate kind copies the nearest earlier clean row."""
    errors = [d for d in defects if d.severity == "error"]
    warnings = [d for d in defects if d.severity == "warning"]
    planted: list[tuple[int, Defect]] = []
    clean_before: int | None = None
    for i, row in enumerate(rows):
        r = rng.random()
        pool = errors if r < spec.error_rate else warnings if r < spec.error_rate + spec.warning_rate else None
        if pool is None or i == 0:
            clean_before = i
            continue
        defect = pool[counter[0] % len(pool)] if pool is errors else pool[counter[1] % len(pool)]
        counter[0 if pool is errors else 1] += 1
        if defect.kind.startswith("duplicate"):
            if clean_before is None:
                continue
            ctx["previous"] = dict(rows[clean_before])
        defect.apply(row, rng, ctx)
        planted.append((i, defect))
    return planted


def _cells(row: dict, header: list[str], layout: Layout, dates: set[str], stamps: set[str],
           amounts: set[str]) -> list[str]:
    out = []
    for col in header:
        v = row.get(col)
        if isinstance(v, str) or v is None:
            out.append(v or "")
        elif col in stamps:
            out.append(_fmt_dt(v, layout))
        elif col in dates:
            out.append(_fmt_date(v, layout))
        elif col in amounts:
            out.append(money(v, layout))
        else:
            out.append(str(v))
    return out


def generate(out: Path, spec: NightSpec, ref: Reference) -> dict[str, int]:
    """Write the landing zone for `spec.run_date` under `out`, and its truth under
    `out/_truth/<date>/`. Returns counts of what was written."""
    rng = random.Random(spec.seed)
    night = out / spec.run_date.isoformat()
    truth_dir = out / "_truth" / spec.run_date.isoformat()
    truth_dir.mkdir(parents=True, exist_ok=True)
    planted: list[Planted] = []
    files: list[tuple[str, str, str]] = []
    communes_by_province: dict[str, list[str]] = {}
    for code, (_, prov) in ref.communes.items():
        communes_by_province.setdefault(prov, []).append(code)
    provinces = list(ref.provinces)

    def foreign_commune(prov: str) -> str:
        other = provinces[(provinces.index(prov) + 7) % len(provinces)] if prov in provinces else provinces[0]
        return communes_by_province[other][0]

    ctx = {"foreign_commune": foreign_commune}
    old_by_new: dict[str, list[str]] = {}
    for old, new in ref.crosswalk.items():
        old_by_new.setdefault(new, []).append(old)

    # Facilities (ministry register). Rows planted with errors are not used by visits.
    facilities = _facility_rows(spec, rng, ref)
    f_planted = _plant(facilities, _facility_defects(spec), spec, rng, [0, 0], ctx)
    broken = {i for i, d in f_planted if d.severity == "error"}
    rel = f"{spec.run_date.isoformat()}/moh/facilities.csv"
    usable: dict[str, list[str]] = {}
    for i, row in enumerate(facilities):
        if i not in broken:
            usable.setdefault(row["province_code"], []).append(row["facility_code"])
    broken_codes = {facilities[i]["facility_code"] for i in broken}
    for prov in usable:
        usable[prov] = [c for c in usable[prov] if c not in broken_codes]
    layout = Layout()
    write_csv(out / rel, FACILITY_HEADER,
              [_cells(r, FACILITY_HEADER, layout, set(), {"updated_at"}, set()) for r in facilities],
              layout)
    files.append((rel, "loaded", "facilities_register"))
    planted += [Planted(rel, i + 1, d) for i, d in f_planted]

    # Visits, one export per province (one splits it over two files, one uses its old code).
    per_province = max(5, round(spec.visits_per_province * spec.scale))
    counter = [0, 0]
    visit_defects = _visit_defects(spec)
    for index, prov in enumerate(provinces):
        layout = province_layout(index)
        rows = [
            _visit_row(rng, spec, ref, prov, seq, usable[prov], communes_by_province[prov],
                       old_by_new[prov])
            for seq in range(per_province)
        ]
        v_planted = _plant(rows, visit_defects, spec, rng, counter, ctx)
        header = VISIT_HEADER_VI if layout.vietnamese_headers else VISIT_HEADER
        if layout.vietnamese_headers:
            for row in rows:  # claims split the patient's share in two
                paid = row.pop("patient_paid")
                row["T_BNCCT"], row["T_BNTT"] = (round(paid * 0.6), paid - round(paid * 0.6)) if paid else (0.0, 0.0)
            for row in rows:  # claims code sex 1/2 and may still use pre-2025 province codes
                row["sex"] = {"M": "1", "F": "2"}.get(row["sex"], row["sex"])
                older_codes = [c for c in old_by_new[prov] if c != prov]
                if older_codes and rng.random() < 0.3:
                    row["province_code"] = older_codes[0]
            rows = [{vi: r.get(en, r.get(vi)) for en, vi in _vi_pairs()} for r in rows]
        dates = {"birth_date", "NGAY_SINH"}
        stamps = {"admitted_at", "discharged_at", "updated_at", "NGAY_VAO", "NGAY_RA", "NGAY_CAP_NHAT"}
        amounts = {"total_cost", "insurance_paid", "patient_paid", "other_paid", "T_TONGCHI_BV",
                   "T_BHTT", "T_BNCCT", "T_BNTT", "T_NGUONKHAC"}
        source = f"p{prov}"
        older = [c for c in old_by_new[prov] if c != prov]
        if index % 10 == 4 and older:
            source = f"p{older[0]}"  # still delivering under its pre-2025 code
        chunks = [("visits", rows, v_planted)]
        if index % 12 == 6:
            half = len(rows) // 2
            chunks = [("visits__hospital_a", rows[:half], [(i, d) for i, d in v_planted if i < half]),
                      ("visits__hospital_b", rows[half:],
                       [(i - half, d) for i, d in v_planted if i >= half])]
        for name, chunk, chunk_planted in chunks:
            rel = f"{spec.run_date.isoformat()}/{source}/{name}.csv"
            write_csv(out / rel, header,
                      [_cells(r, header, layout, dates, stamps, amounts) for r in chunk], layout)
            files.append((rel, "loaded", "visits_export"))
            planted += [Planted(rel, i + 1, d) for i, d in chunk_planted]

    # Files that must be rejected, each for one reason.
    bad_files = {
        f"{spec.run_date.isoformat()}/p01/vaccines.csv": ("unknown_dataset", b"a,b\n1,2\n"),
        f"{spec.run_date.isoformat()}/p79/huong_dan.pdf": ("stray_file", b"%PDF-1.4\n"),
        f"{spec.run_date.isoformat()}/p48/visits__empty.csv": ("empty_file", b""),
        f"{spec.run_date.isoformat()}/p31/visits__no_patient_column.csv": (
            "missing_required_column",
            ",".join(c for c in VISIT_HEADER if c != "patient_id").encode() + b"\n"
            + b"x," * (len(VISIT_HEADER) - 2) + b"x\n"),
    }
    for rel, (kind, data) in bad_files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        files.append((rel, "rejected", kind))

    # Deliveries arrive in the evening of the night they are for (local time); the
    # pipeline judges lateness by the file's modification time.
    delivered = datetime.combine(spec.run_date, time(21, 30), tzinfo=LOCAL_TZ).timestamp()
    for rel, _, _ in files:
        os.utime(out / rel, (delivered, delivered))

    with (truth_dir / "defects.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["source_file", "row_number", "dataset", "criterion", "severity", "kind"])
        for p in sorted(planted, key=lambda p: (p.source_file, p.row_number)):
            w.writerow([p.source_file, p.row_number, p.defect.dataset, p.defect.criterion,
                        p.defect.severity, p.defect.kind])
    with (truth_dir / "files.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["source_file", "expected_status", "kind"])
        w.writerows(sorted(files))
    return {"files": len(files), "defects": len(planted),
            "rows": len(facilities) + per_province * len(provinces)}


def _vi_pairs() -> list[tuple[str, str]]:
    en = [c for c in VISIT_HEADER if c != "patient_paid"]
    vi = [c for c in VISIT_HEADER_VI if c not in {"T_BNCCT", "T_BNTT"}]
    pairs = list(zip(en, vi, strict=True))
    return pairs + [("T_BNCCT", "T_BNCCT"), ("T_BNTT", "T_BNTT")]
