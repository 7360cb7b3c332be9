"""`workforce` (every province): staff of the province's facilities. Practising staff are the
practitioners of the register (same person, licence and facility); the others (nurses'
aides, accountants, drivers) have no licence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np

from sample.generate import people
from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns, column_rows, numbered
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


def _starts(w: World, born: list[date], lowest_age: list[int], u: list[float]) -> list[date]:
    """A start date for each person, at working age (at least their `lowest_age`, at most 60)
    and in the past, at the place `u` (0 to 1) between the earliest and the latest."""
    last = w.run_date - timedelta(days=30)
    out = []
    for b, age, x in zip(born, lowest_age, u, strict=True):
        earliest = people.years_after(b, age)
        latest = min(people.years_after(b, 60), last)
        out.append(earliest + timedelta(days=int(x * max(1, (latest - earliest).days))))
    return out


def _columns(w: World, prov: str, practitioners: list[dict], lo: int, end: int) -> dict[str, list]:
    """The province's staff `lo` to `end`, a column at a time (`columns.Columns`): a share
    of them practitioners of the register (`practitioners`, the province's), the others
    support staff drawn here."""
    c, d, n = Columns(w, DATASET, prov), w.run_date, end - lo
    practising = (c.chance(0.6, n) & bool(practitioners)).tolist()
    chosen = c.pick(practitioners or [{}], n)
    u_position, u_qualification = c.g.random(n).tolist(), c.g.random(n).tolist()
    ids, born_days, female = c.people(n, (19, 62), old_codes=0.8)
    born = born_days.tolist()
    names = c.names(female)
    sex = np.where(female, "F", "M").tolist()
    support = c.pick(SUPPORT, n)
    facilities = c.pick(w.facts["facility_codes"][prov], n)
    cols: dict[str, list] = {k: [] for k in HEADER}
    for i, registered in enumerate(practising):
        if registered:
            p = chosen[i]
            positions, qualifications = PRACTISING[p["profession"]]
            person = (p["person_id"], p["full_name"], p["birth_date"], p["sex"])
            position = positions[int(u_position[i] * len(positions))]
            qualification = qualifications[int(u_qualification[i] * len(qualifications))]
            facility, licence = p["facility_code"], p["license_no"]
        else:
            person = (ids[i], names[i], born[i], sex[i])
            position, qualification = support[i]
            facility, licence = facilities[i], None
        for k, v in zip(("person_id", "full_name", "birth_date", "sex"), person, strict=True):
            cols[k].append(v)
        cols["position"].append(position)
        cols["qualification"].append(qualification)
        cols["facility_code"].append(facility)
        cols["practitioner_license_no"].append(licence)
    starts = _starts(
        w, cols["birth_date"], [22 if p else 18 for p in practising], c.g.random(n).tolist()
    )
    cols["staff_id"] = numbered(f"{prov}-NV", lo, end, 6)
    cols["start_date"] = starts
    cols["end_date"] = [
        start + timedelta(days=int(x * max(1, (d - start).days))) if ended else None
        for start, x, ended in zip(
            starts, c.g.random(n).tolist(), c.chance(0.12, n).tolist(), strict=True
        )
    ]
    cols["province_code"] = [prov] * n
    cols["updated_at"] = c.fresh_stamps(n)
    return cols


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
        make_rows=lambda prov: column_rows(
            lambda lo, end: _columns(w, prov, by_province.get(prov, []), lo, end), per_province
        ),
        rows=per_province,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
        translate=_vietnamese,
    )
