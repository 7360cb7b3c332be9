"""`workforce` (every province): staff of the province's facilities. Practising staff are the
practitioners of the register (same person, licence and facility); the others (nurses'
aides, accountants, drivers) have no licence."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import numpy as np

from sample.generate import people
from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns, as_days, numbered, years_after
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


def _starts(c: Columns, born: np.ndarray, lowest_age: np.ndarray) -> np.ndarray:
    """A start date for each person (born on the days `born`), at working age (at least
    their `lowest_age`, at most 60) and at least 30 days before the night."""
    earliest = years_after(born, lowest_age)
    latest = np.minimum(years_after(born, 60), c.day - 30)
    span = np.maximum(1, (latest - earliest).astype(np.int64))
    return earliest + (c.g.random(len(born)) * span).astype(np.int64)


def _columns(w: World, prov: str, practitioners: list[dict], lo: int, end: int) -> dict[str, list]:
    """The province's staff `lo` to `end`, a column at a time (`columns.Columns`): a share
    of them practitioners of the register (`practitioners`, the province's: the same person,
    licence and facility), the others support staff drawn here."""
    c, n = Columns(w, DATASET, prov), end - lo
    registered = c.chance(0.6, n) & bool(practitioners)
    on_register = registered.tolist()
    # Every row draws both; a row takes the practitioner's values or the support staff's.
    chosen = c.pick(practitioners or [{}], n)
    roles = [
        PRACTISING[p["profession"]] if r else None for p, r in zip(chosen, on_register, strict=True)
    ]
    u_position, u_qualification = c.g.random(n).tolist(), c.g.random(n).tolist()
    ids, born_days, female = c.people(n, (19, 62), old_codes=0.8)
    support = c.pick(SUPPORT, n)

    def either(column: str, own: list) -> list:
        return [p[column] if r else x for p, r, x in zip(chosen, on_register, own, strict=True)]

    born = np.where(registered, as_days([p.get("birth_date", DAY0) for p in chosen]), born_days)
    starts = _starts(c, born, np.where(registered, 22, 18))
    ended = c.chance(0.12, n)
    until = starts + (c.g.random(n) * np.maximum(1, (c.day - starts).astype(np.int64))).astype(
        np.int64
    )
    return {
        "staff_id": numbered(f"{prov}-NV", lo, end, 6),
        "person_id": either("person_id", ids),
        "full_name": either("full_name", c.names(female)),
        "birth_date": born.tolist(),
        "sex": either("sex", np.where(female, "F", "M").tolist()),
        "position": [
            role[0][int(u * len(role[0]))] if role else job[0]
            for role, u, job in zip(roles, u_position, support, strict=True)
        ],
        "qualification": [
            role[1][int(u * len(role[1]))] if role else job[1]
            for role, u, job in zip(roles, u_qualification, support, strict=True)
        ],
        "facility_code": either("facility_code", c.pick(w.facts["facility_codes"][prov], n)),
        "practitioner_license_no": either("license_no", [None] * n),
        "start_date": starts.tolist(),
        "end_date": np.where(ended, until, np.datetime64("NaT")).tolist(),
        "province_code": [prov] * n,
        "updated_at": c.fresh_stamps(n),
    }


DAY0 = date(1970, 1, 1)  # a birth date for the rows that take the support staff's
SEX_VI = {"M": "Nam", "F": "Nữ"}


def _vietnamese(columns: dict[str, list]) -> dict[str, list]:
    """The columns under the Vietnamese headers, qualifications and sexes spelled as these
    offices spell them (a value they do not know, as planted, kept as it is)."""
    out = {TO_VI[col]: columns[col] for col in HEADER}
    for col, spelling in (("qualification", QUALIFICATION_VI), ("sex", SEX_VI)):
        values = columns[col]
        out[TO_VI[col]] = list(map(spelling.get, values, values))
    return out


def generate(w: World) -> Iterator[Output]:
    per_province = max(5, round(SHARE_OF_VISITS * w.spec.rows_per_province * w.spec.scale))
    practitioners = w.facts["practitioners"]

    def make_part(prov: str) -> Callable[[int, int], dict[str, list]]:
        mine = [p for p in practitioners if p["province"] == prov]
        return lambda lo, end: _columns(w, prov, mine, lo, end)

    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="workforce_export",
        header=HEADER,
        vi=TO_VI,
        make_part=make_part,
        rows=per_province,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
        translate=_vietnamese,
    )
