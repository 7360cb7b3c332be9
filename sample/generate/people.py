"""Realistic Vietnamese people: names with diacritics, and citizen ids (CCCD) whose digits
agree with sex and birth year."""

from __future__ import annotations

import random
from datetime import date, timedelta

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trương",
    "Lâm",
    "Mai",
]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Công", "Quang", "Minh", "Thành", "Xuân", "Đình", "Tuấn"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng", "Diệu", "Bảo", "Phương"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Thắng",
    "Trung",
    "Việt",
    "Vinh",
    "Đạt",
    "Hiếu",
    "Lộc",
    "Tùng",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quỳnh",
    "Thảo",
    "Trang",
    "Uyên",
    "Yến",
]


def full_name(rng: random.Random, sex: str) -> str:
    middle, given = (MIDDLE_F, GIVEN_F) if sex == "F" else (MIDDLE_M, GIVEN_M)
    return f"{rng.choice(SURNAMES)} {rng.choice(middle)} {rng.choice(given)}"


def birth_date(rng: random.Random, run_date: date, min_age: int = 0, max_age: int = 95) -> date:
    days = rng.randint(min_age * 365 + 1, max_age * 365)
    return run_date - timedelta(days=days)


# The last six digits of a CCCD: the living's are below DEAD_SERIALS, those of people on a
# death notice from it on. A clean row elsewhere so never names a dead person, in any night,
# and no process needs a set of the night's dead ids (it grew with the scale).
DEAD_SERIALS = 900_000


def cccd(
    rng: random.Random, registration_code: str, sex: str, born: date, dead: bool = False
) -> str:
    """12 digits: `0` + province of registration, century-and-sex digit, two-digit year,
    six random digits (from the dead's reserved part when `dead`)."""
    century = (born.year - 1900) // 100  # 0 for the 1900s, 1 for the 2000s
    digit = century * 2 + (1 if sex == "F" else 0)
    serial = (
        DEAD_SERIALS + rng.randrange(10**6 - DEAD_SERIALS) if dead else rng.randrange(DEAD_SERIALS)
    )
    return f"0{registration_code}{digit}{born.year % 100:02d}{serial:06d}"


def is_dead_id(pid: str) -> bool:
    """Whether a CCCD `cccd` made is one of a person on a death notice."""
    return int(pid[-6:]) >= DEAD_SERIALS


PLACE_WORDS = [
    "An Khang",
    "Hòa Bình",
    "Phúc An",
    "Tâm Đức",
    "Việt Mỹ",
    "Hồng Ngọc",
    "Thiện Nhân",
    "Minh Châu",
    "Sài Gòn",
    "Hà Thành",
    "Đại Phước",
    "Bình An",
    "Tân Hưng",
    "Hạnh Phúc",
]


def rng_word(rng: random.Random) -> str:
    """A plausible private-clinic name."""
    return rng.choice(PLACE_WORDS)


def years_after(born: date, years: int) -> date:
    """The day a person born on `born` turns `years` (28 February for 29 February)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return born.replace(year=born.year + years, day=28)
