"""`workforce` (every province): staff of the province's facilities. Practising staff are the
practitioners of the register (same person, licence and facility); the others (nurses'
aides, accountants, drivers) have no licence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from sample.generate import people
from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.population import provincial_outputs

DATASET = "workforce"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
AFTER = ("facilities", "practitioners")  # the facility codes and practitioners they publish
HEADER = [
    "staff_id",
    "person_id",
    "full_name",
    "birth_date",
    "sex",
    "position",
    "qualification",
    "facility_code",
    "practitioner_license_no",
    "start_date",
    "end_date",
    "province_code",
    "updated_at",
]
HEADER_VI = [
    "Mã nhân viên",
    "Số CCCD",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Chức vụ",
    "Trình độ chuyên môn",
    "MA_CSKCB",
    "Số CCHN",
    "Ngày bắt đầu",
    "Ngày kết thúc",
    "Mã tỉnh",
    "Ngày cập nhật",
]
TO_VI = dict(zip(HEADER, HEADER_VI, strict=True))
DATES = frozenset(
    {"birth_date", "start_date", "end_date", "Ngày sinh", "Ngày bắt đầu", "Ngày kết thúc"}
)
STAMPS = frozenset({"updated_at", "Ngày cập nhật"})
# profession -> (positions, qualifications)
PRACTISING = {
    "doctor": (
        ["Bác sĩ điều trị", "Trưởng khoa", "Phó trưởng khoa", "Bác sĩ"],
        ["specialist", "master", "doctorate", "bachelor"],
    ),
    "physician_assistant": (["Y sĩ đa khoa", "Y sĩ"], ["secondary", "college"]),
    "nurse": (["Điều dưỡng viên", "Điều dưỡng trưởng khoa"], ["bachelor", "college", "secondary"]),
    "midwife": (["Hộ sinh viên"], ["college", "bachelor", "secondary"]),
    "technician": (
        ["Kỹ thuật viên xét nghiệm", "Kỹ thuật viên chẩn đoán hình ảnh"],
        ["bachelor", "college"],
    ),
    "pharmacist": (["Dược sĩ lâm sàng", "Dược sĩ"], ["bachelor", "master", "college"]),
    "traditional_medicine": (["Lương y", "Bác sĩ y học cổ truyền"], ["bachelor", "other"]),
}
SUPPORT = [
    ("Hộ lý", "other"),
    ("Kế toán", "bachelor"),
    ("Nhân viên hành chính", "college"),
    ("Lái xe cứu thương", "other"),
    ("Nhân viên công nghệ thông tin", "bachelor"),
]
# How Vietnamese-header offices spell qualifications.
QUALIFICATION_VI = {
    "doctorate": "Tiến sĩ",
    "master": "Thạc sĩ",
    "specialist": "Chuyên khoa",
    "bachelor": "Đại học",
    "college": "Cao đẳng",
    "secondary": "Trung cấp",
    "other": "Khác",
}
SHARE_OF_VISITS = 0.3


def defects(w: World) -> list[Defect]:

    def end_before_start(row, rng, ctx):
        row["end_date"] = row["start_date"] - timedelta(days=rng.randint(1, 400))

    flip = {"M": "F", "F": "M"}
    return [
        *standard_defects(w, DATASET),
        Defect(
            DATASET,
            "cccd_birth_year_mismatch",
            "accurate",
            "error",
            setter(
                "birth_date",
                lambda r, rng: r["birth_date"].replace(year=r["birth_date"].year + 1, day=1),
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
            "unknown_facility",
            "accurate",
            "error",
            setter("facility_code", lambda r, rng: r["facility_code"][:2] + "999"),
        ),
        Defect(
            DATASET,
            "unknown_licence",
            "accurate",
            "error",
            setter(
                "practitioner_license_no",
                lambda r, rng: (
                    f"{rng.randrange(900000, 999999)}/{rng.choice(['BYT', 'HNO', 'HCM'])}-CCHN"
                ),
            ),
        ),
        Defect(
            DATASET,
            "start_before_age_18",
            "accurate",
            "error",
            setter("start_date", lambda r, rng: people.years_after(r["birth_date"], 15)),
        ),
        Defect(DATASET, "end_before_start", "accurate", "error", end_before_start),
        Defect(
            DATASET,
            "placeholder_full_name",
            "clean",
            "warning",
            setter("full_name", lambda r, rng: rng.choice(["Không rõ", "test", "Chưa rõ"])),
        ),
    ]


def _start(w: World, born: date, lowest_age: int) -> date:
    """A start date at working age (at least `lowest_age`, at most 60) and in the past."""
    earliest = people.years_after(born, lowest_age)
    latest = min(people.years_after(born, 60), w.run_date - timedelta(days=30))
    return earliest + timedelta(days=w.rng.randrange(max(1, (latest - earliest).days)))


def _row(w: World, prov: str, seq: int, practitioners: list[dict]) -> dict:
    rng, d = w.rng, w.run_date
    if practitioners and rng.random() < 0.6:
        p = rng.choice(practitioners)
        positions, qualifications = PRACTISING[p["profession"]]
        person = {k: p[k] for k in ("person_id", "full_name", "birth_date", "sex")}
        position, qualification = rng.choice(positions), rng.choice(qualifications)
        facility, licence = p["facility_code"], p["license_no"]
        start = _start(w, p["birth_date"], 22)
    else:
        sex = rng.choice("MF")
        born = people.birth_date(rng, d, 19, 62)
        registration = rng.choice(w.old_by_new[prov]) if rng.random() < 0.8 else prov
        person = {
            "person_id": people.cccd(rng, registration, sex, born),
            "full_name": people.full_name(rng, sex),
            "birth_date": born,
            "sex": sex,
        }
        position, qualification = rng.choice(SUPPORT)
        facility, licence = rng.choice(w.facts["facility_codes"][prov]), None
        start = _start(w, born, 18)
    ended = rng.random() < 0.12
    return {
        "staff_id": f"{prov}-NV{seq:06d}",
        **person,
        "position": position,
        "qualification": qualification,
        "facility_code": facility,
        "practitioner_license_no": licence,
        "start_date": start,
        "end_date": start + timedelta(days=rng.randrange(max(1, (d - start).days)))
        if ended
        else None,
        "province_code": prov,
        "updated_at": w.fresh_stamp(),
    }


def _vietnamese(row: dict) -> dict:
    out = dict(row)
    out["qualification"] = QUALIFICATION_VI.get(row["qualification"], row["qualification"])
    out["sex"] = {"M": "Nam", "F": "Nữ"}.get(row["sex"], row["sex"])
    return {TO_VI[k]: v for k, v in out.items()}


def generate(w: World) -> Iterator[Output]:
    per_province = max(5, round(SHARE_OF_VISITS * w.spec.rows_per_province * w.spec.scale))
    by_province: dict[str, list[dict]] = {}
    for p in w.facts["practitioners"]:
        by_province.setdefault(p["province"], []).append(p)
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="workforce_export",
        header=HEADER,
        vi=TO_VI,
        make_rows=lambda prov: (
            _row(w, prov, seq, by_province.get(prov, [])) for seq in range(per_province)
        ),
        rows=per_province,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
        translate=_vietnamese,
    )
