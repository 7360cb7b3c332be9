"""`social_protection` (every province): beneficiaries of monthly social allowances.
Plants `benefit_for_dead_person` warnings with the people `deaths` published."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np

from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns, numbered
from sample.generate.population import provincial_outputs, reborn, rows_per_province

DATASET = "social_protection"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
AFTER = ("deaths",)
HEADER = [
    "beneficiary_id",
    "person_id",
    "birth_date",
    "category",
    "benefit_start",
    "benefit_end",
    "monthly_amount",
    "province_code",
    "commune_code",
    "updated_at",
]
VI = {
    "beneficiary_id": "Mã đối tượng",
    "person_id": "Số định danh",
    "birth_date": "Ngày sinh",
    "category": "Diện đối tượng",
    "benefit_start": "Ngày bắt đầu hưởng",
    "benefit_end": "Ngày kết thúc hưởng",
    "monthly_amount": "Mức hưởng hằng tháng",
    "province_code": "Mã tỉnh",
    "commune_code": "Mã xã",
    "updated_at": "Ngày cập nhật",
}
DATES = frozenset({"birth_date", "benefit_start", "benefit_end"})
STAMPS = frozenset({"updated_at"})
AMOUNTS = frozenset({"monthly_amount"})
BASE_ALLOWANCE = 500_000.0  # VND a month (Decree 76/2024), times a coefficient
# Age range at the night by category; elderly are old enough when their benefit started.
AGES = {
    "elderly": (82, 100),
    "disability": (5, 85),
    "orphan": (2, 15),
    "poor_household": (18, 80),
    "other": (18, 80),
}


def defects(w: World) -> list[Defect]:
    def too_young(row, rng, ctx):
        born = row["benefit_start"] - timedelta(days=60 * 365)
        row["category"], row["birth_date"] = "elderly", born
        row["person_id"] = reborn(rng, row["person_id"], born)

    def birth_year_mismatch(row, rng, ctx):
        b = row["birth_date"]
        row["birth_date"] = b.replace(year=b.year - 2, day=1)

    def end_before_start(row, rng, ctx):
        row["benefit_end"] = row["benefit_start"] - timedelta(days=rng.randint(1, 90))

    dead_people = w.facts.get("dead_people", {})  # per province (deaths.publish)

    def dead(row, rng, ctx):
        who = rng.choice(dead_people[row["province_code"]])
        row["person_id"], row["birth_date"] = who["person_id"], who["birth_date"]
        row["category"], row["benefit_end"] = "disability", None
        row["benefit_start"] = max(row["benefit_start"], who["birth_date"] + timedelta(days=1))

    return standard_defects(w, DATASET) + [
        Defect(DATASET, "cccd_birth_year_mismatch", "accurate", "error", birth_year_mismatch),
        Defect(DATASET, "elderly_under_threshold", "accurate", "error", too_young),
        Defect(DATASET, "benefit_end_before_start", "accurate", "error", end_before_start),
        Defect(DATASET, "zero_monthly_amount", "accurate", "error", setter("monthly_amount", 0.0)),
        Defect(
            DATASET,
            "benefit_for_dead_person",
            "up_to_date",
            "warning",
            dead,
            lambda row: bool(dead_people.get(row["province_code"])),
        ),
    ]


CATEGORIES = list(AGES)
AMOUNT_COEFFICIENTS = (1.0, 1.5, 2.0, 2.5, 3.0)


def _columns(w: World, prov: str, lo: int, end: int) -> dict[str, list]:
    """The province's beneficiaries `lo` to `end`, a column at a time (`columns.Columns`)."""
    c, n = Columns(w, DATASET, prov), end - lo
    category = c.g.choice(len(CATEGORIES), n, p=np.array([8, 5, 2, 4, 1]) / 20)
    low, high = np.array([AGES[k] for k in CATEGORIES]).T
    pid, born, _ = c.people(n, (low[category], high[category]))
    start = np.maximum(c.days_before(30, 5 * 365, n), born + 30)
    end_ = np.where(
        c.chance(0.15, n), start + c.g.integers(180, 3 * 365 + 1, n), np.datetime64("NaT")
    )
    return {
        "beneficiary_id": numbered(f"BTXH{prov}", lo, end, 6),
        "person_id": pid,
        "birth_date": born.tolist(),
        "category": [CATEGORIES[k] for k in category.tolist()],
        "benefit_start": start.tolist(),
        "benefit_end": end_.tolist(),
        "monthly_amount": [BASE_ALLOWANCE * k for k in c.pick(AMOUNT_COEFFICIENTS, n)],
        "province_code": [prov] * n,
        "commune_code": c.communes(n),
        "updated_at": c.fresh_stamps(n),
    }


def generate(w: World) -> Iterator[Output]:
    n = rows_per_province(w, 0.3)
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="social_protection_export",
        header=HEADER,
        vi=VI,
        make_part=lambda prov: lambda lo, end: _columns(w, prov, lo, end),
        rows=n,
        catalogue=defects(w),
        dates=DATES,
        stamps=STAMPS,
        amounts=AMOUNTS,
    )
