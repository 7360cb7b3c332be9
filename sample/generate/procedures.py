"""`procedures` (moh): the ministry's catalogue of administrative procedures.

At scale 1 the catalogue has November 2025's figures: 282 procedures, 117 eligible for the
National Public Service Portal, 165 decentralised (these numbers live here only: the
pipeline computes its progress figures from the data). Defects are planted on extra rows
(each a further procedure, quarantined), so the loaded catalogue keeps those proportions;
stale records (warnings) are ordinary catalogue rows. Publishes `procedure_codes`:
decentralised and central codes that load."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sample.generate import population
from sample.generate.base import Defect, Output, World, setter, standard_defects

DATASET = "procedures"
# `generate` publishes `procedure_codes` when called, before it makes a row (`night.generate`
# takes them in its process and leaves the catalogue to a worker).
FACTS_FIRST = True
TOTAL, PORTAL_ELIGIBLE, DECENTRALIZED = 282, 117, 165  # November 2025, at scale 1
HEADER = [
    "procedure_code",
    "procedure_name",
    "field",
    "level",
    "decentralized",
    "portal_eligible",
    "online_level",
    "portal_integrated",
    "integrated_on",
    "standardized",
    "baseline_cost",
    "current_cost",
    "updated_at",
]
DATES = frozenset({"integrated_on"})
STAMPS = frozenset({"updated_at"})
AMOUNTS = frozenset({"baseline_cost", "current_cost"})
FIELDS = [
    "Khám bệnh, chữa bệnh",
    "Dược phẩm",
    "Y tế dự phòng",
    "An toàn thực phẩm",
    "Trang thiết bị y tế",
    "Bảo hiểm y tế",
    "Dân số",
    "Y dược cổ truyền",
    "Tổ chức cán bộ",
    "Mỹ phẩm",
]
ACTIONS = [
    "Cấp giấy phép hoạt động",
    "Cấp lại giấy phép hành nghề",
    "Điều chỉnh giấy phép",
    "Công bố đủ điều kiện",
    "Cấp giấy chứng nhận",
    "Đăng ký lưu hành",
    "Cấp chứng chỉ",
    "Thu hồi giấy phép",
    "Gia hạn giấy đăng ký",
]
OBJECTS = [
    "đối với bệnh viện",
    "đối với phòng khám",
    "cơ sở bán lẻ thuốc",
    "trang thiết bị y tế",
    "cơ sở sản xuất mỹ phẩm",
    "người hành nghề",
    "cơ sở tiêm chủng",
    "cơ sở xét nghiệm",
    "thực phẩm bảo vệ sức khỏe",
]


def defects(w: World) -> list[Defect]:
    d = w.run_date

    def decentralized_mismatch(row, rng, ctx):
        row["level"], row["decentralized"] = "central", True

    def integrated_not_eligible(row, rng, ctx):
        row["portal_eligible"], row["portal_integrated"] = False, True
        row["integrated_on"] = d - timedelta(days=100)

    def integrated_without_date(row, rng, ctx):
        row["portal_eligible"], row["portal_integrated"], row["integrated_on"] = True, True, None

    def error(kind, criterion, apply) -> Defect:
        return Defect(DATASET, kind, criterion, "error", apply)

    return standard_defects(w, DATASET) + [
        error("invalid_procedure_code", "accurate", setter("procedure_code", "4.12345")),
        error("decentralized_does_not_match_level", "accurate", decentralized_mismatch),
        error("integrated_but_not_eligible", "accurate", integrated_not_eligible),
        error("integrated_without_date", "sufficient", integrated_without_date),
        error("negative_cost", "accurate", setter("current_cost", -1_000_000.0)),
    ]


def _row(w: World, code: str, level: str, eligible: bool) -> dict:
    rng, d = w.rng, w.run_date
    integrated = eligible and rng.random() < 0.8
    decentralized = level != "central"
    online = (
        rng.choices(["full", "partial", "none"], [5, 4, 1])[0]
        if eligible
        else rng.choices(["partial", "none"], [1, 2])[0]
    )
    baseline = float(rng.randrange(50, 5000) * 1_000_000)
    return {
        "procedure_code": code,
        "procedure_name": f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)}",
        "field": rng.choice(FIELDS),
        "level": level,
        "decentralized": decentralized,
        "portal_eligible": eligible,
        "online_level": online,
        "portal_integrated": integrated,
        "integrated_on": d - timedelta(days=rng.randint(30, 900)) if integrated else None,
        "standardized": decentralized and rng.random() < 0.6,
        "baseline_cost": baseline,
        "current_cost": float(round(baseline * (1 - rng.uniform(0.2, 0.45)), -3)),
        "updated_at": w.fresh_stamp(days=20),
    }


def generate(w: World) -> Iterator[Output]:
    """The catalogue, made, planted and written `population.CHUNK` rows at a time: where
    its planted rows go is drawn first (a place each, as numbers), so that the parent never
    holds the catalogue (282 × scale rows). `procedure_codes` (the clean procedures' codes,
    which follow from their levels) is published at once, as when the catalogue was made
    whole: a caller may take the facts without writing the files."""
    rng = w.rng
    scale = w.spec.scale
    total = max(20, round(TOTAL * scale))
    n_dec = round(total * DECENTRALIZED / TOTAL)
    n_eligible = round(total * PORTAL_ELIGIBLE / TOTAL)
    catalogue = defects(w)
    errors = [d for d in catalogue if d.severity == "error"]
    numbers = rng.sample(range(1, 999_000), total + len(errors))
    codes = [f"{rng.choice('123')}.{n:06d}" for n in numbers]
    levels = ["central"] * (total - n_dec) + [
        "province" if i % 10 < 7 else "commune" for i in range(n_dec)
    ]
    eligible = [True] * n_eligible + [False] * (total - n_eligible)
    rng.shuffle(levels)
    rng.shuffle(eligible)
    stale = next(d for d in catalogue if d.severity == "warning")
    # Which clean procedures are stale, and the place in the file of one extra procedure
    # per error kind (after the first row); drawn before any row is made.
    stale_at = set(rng.sample(range(total), max(1, round(total * w.spec.warning_rate))))
    places = rng.sample(range(1, total + len(errors)), len(errors))
    extra_at = {at: k for k, at in enumerate(places)}  # place -> error kind's position
    w.facts["procedure_codes"] = {
        "decentralized": [codes[i] for i in range(total) if levels[i] != "central"],
        "central": [codes[i] for i in range(total) if levels[i] == "central"],
    }
    return _parts(w, codes, levels, eligible, total, errors, stale, stale_at, extra_at)


def _parts(
    w: World,
    codes: list[str],
    levels: list[str],
    eligible: list[bool],
    total: int,
    errors: list[Defect],
    stale: Defect,
    stale_at: set[int],
    extra_at: dict[int, int],
) -> Iterator[Output]:
    """The catalogue's parts, in order (see `generate`)."""
    rng = w.rng
    previous: dict = {}  # the nearest earlier clean row (a duplicate copies it)
    clean = 0  # clean procedures made so far
    rows_total = total + len(errors)
    chunk = population.CHUNK
    for first in range(0, rows_total, chunk):
        rows: list[dict] = []
        planted: list[tuple[int, Defect]] = []
        for at in range(first, min(first + chunk, rows_total)):
            k = extra_at.get(at)
            if k is not None:  # an extra procedure, broken (quarantined)
                level = rng.choice(["central", "province"])
                row = _row(w, codes[total + k], level, rng.random() < 0.5)
                errors[k].apply(row, rng, {"previous": dict(previous)})
                planted.append((len(rows), errors[k]))
            else:
                row = _row(w, codes[clean], levels[clean], eligible[clean])
                if clean in stale_at:
                    stale.apply(row, rng, {})
                    planted.append((len(rows), stale))
                previous = row
                clean += 1
            rows.append(row)
        yield Output(
            rel=w.night_path("moh", "procedures.csv"),
            expected_status="loaded",
            kind="procedures_catalogue",
            header=HEADER,
            rows=rows,
            planted=planted,
            dates=DATES,
            stamps=STAMPS,
            amounts=AMOUNTS,
            continues=first > 0,
            offset=first,
        )
