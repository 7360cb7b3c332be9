"""Claims packages (DATASETS.md, "kcb: the claims package"): some provinces send their
visits as one `claims.xml` per night instead of a CSV export. Each visit becomes a HOSO with
its XML1 row, its drug lines (XML2) and service and supply lines (XML3) that add up to its
totals, and now and then XML4 / XML5 tables; the first HOSO carries an XML13 in the 130 or
the 3176 tag set; the package is signed (CHUKYDONVI).

Not a dataset generator of its own: `visits.generate` makes a `Package` for the
provinces of `sends_package` and hands it the visit rows it built and planted, a part at
a time. Defects on the lines (and the totals mismatches on visits) are planted here;
their truth row numbers are each line's position among the rows of its dataset in the
file (1-based), as the pipeline numbers them (`_source_row`,
`quarantine.rows.row_number`). A visit planted with an error takes its lines along: they
are in the truth as `parent_quarantined` errors.
"""

from __future__ import annotations

import base64
import binascii
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from sample.generate.base import Defect, Draws, Output, World
from transforms.ingest.readers.claims_split import line_amount
from validations.model import Rule
from validations.registry import DATASETS
from validations.standard import standard_rules

EVERY = 4  # one province in EVERY sends a package (index % EVERY == 1)
LINE_SUMS = ("lines_drug_amount", "lines_supply_amount", "lines_amount")
NO_LINES = frozenset({"duplicate_key", "visit_id_too_long", "visit_id.required"})


def sends_package(index: int) -> bool:
    return index % EVERY == 1


def _err(dataset: str, kind: str, criterion: str = "accurate") -> Defect:
    return Defect(dataset, kind, criterion, "error", lambda row, rng, ctx: None)


DRUG_ERRORS = (
    "amount_not_quantity_times_price",
    "insured_over_amount",
    "ordered_outside_stay",
    "executed_before_order",
    "drug_group_not_a_drug",
    "unknown_registration",
    "unknown_prescriber",
    "coverage_over_100",
)
SERVICE_ERRORS = (
    "bad_bed_code",
    "bed_code_missing",
    "service_and_supply_code",
    "insured_price_over_price",
    "result_before_execution",
    "amount_not_quantity_times_price",
    "ordered_outside_stay",
    "executed_before_order",
    "unknown_prescriber",
)
LINE_POOLS = (("visit_drugs", DRUG_ERRORS), ("visit_services", SERVICE_ERRORS))
CRITERION = {"bed_code_missing": "sufficient", "service_and_supply_code": "sufficient"}


class Package:
    """A province's claims package, made and written in parts (`part`) of its visits, so that
    memory holds one part's episodes, not the province's (at 2 M visit rows ~300 MB)."""

    def __init__(self, w: World, index: int, prov: str, source: str, visits: int) -> None:
        self.w, self.visits = w, visits
        self.rel = w.night_path(source, "claims.xml")
        self.rng = Draws(f"claims-{w.spec.seed}-{prov}")
        facts = w.facts
        self.valid = [r[0] for r in facts["drug_registrations"]["valid"]] or ["VD-12345-19"]
        self.expired = [(r[0], r[2]) for r in facts["drug_registrations"]["expired"]]
        self.licences = sorted(x for codes in facts["active_licences"].values() for x in codes)
        # Only how many lines each table has so far: the lines themselves are dropped once
        # their episode is written.
        self.n_drugs = self.n_services = 0
        self.line_kinds = {
            ds: standard_line_defects(w, ds) for ds in ("visit_drugs", "visit_services")
        }
        # Each line table's kinds in the order of their cycle, and its rules by kind.
        self.pools = {
            ds: (
                [*hand, "duplicate_key", *(k for k, _ in self.line_kinds[ds])],
                dict(self.line_kinds[ds]),
            )
            for ds, hand in LINE_POOLS
        }
        # The kinds' cycle (drug errors, service errors, warnings): each package of the night
        # starts it at its own share of the way round (each package is a unit of its own), so
        # that the night's packages together plant every kind however few lines each breaks.
        nth, packages = index // EVERY, len(range(1, len(w.provinces), EVERY))
        pools = [len(self.pools[ds][0]) for ds, _ in LINE_POOLS]
        self.cycle: list[int] = w.local.setdefault(
            "claims_line_cycle", [nth * n // max(packages, 1) for n in pools] + [nth]
        )
        # Every line carries its stamp (NGAY_CAP_NHAT, the night's start, as NGAYLAP would
        # give it), so that a stale or future stamp can be planted on one line.
        self.stamp = _datetime_text(datetime.combine(w.run_date, time(0)))
        self.tag_set = "3176" if (index // EVERY) % 2 == 0 else "130"
        self.made = 0  # visits made so far

    def part(self, visits: list[dict], planted: list, totals: list) -> Output:
        """The next part of the package: `visits` are its next XML1 rows (claims tags, values
        as the visits generator made them, defects planted), `planted` their (row, defect)
        in this part, `totals` the clean total cost of each (the lines add up to it)."""
        w, rng, first = self.w, self.rng, self.made
        errored = {i: d for i, d in planted if d.severity == "error"}
        warned = {i for i, d in planted if d.severity == "warning"}
        # A mapped old commune code (a `note`) stays in the package and is loaded as its
        # successor, but a package keeps no rows to read it back from: it is not listed in
        # old_communes.csv (the row is clean either way).
        out_planted = [(first + i, d) for i, d in planted if d.severity != "note"]
        episodes: list[bytes] = []
        for i, visit in enumerate(visits):
            lk = visit.get("MA_LK")
            visit_defect = errored.get(i)
            no_lines = visit_defect is not None and visit_defect.kind in NO_LINES
            if not isinstance(lk, str) or not lk or no_lines or not visit.get("MA_CSKCB"):
                episodes.append(_hoso(visit, [], [], rng))
                continue
            stay = _stay(visit)
            lines_d, lines_s = _lines(
                rng, lk, totals[i], stay, self.valid, self.licences, self.stamp
            )
            exam = lines_s[-1]  # the examination takes the remainder (never broken)
            visit["T_THUOC"] = sum(int(x["THANH_TIEN_BV"]) for x in lines_d)
            visit["T_VTYT"] = sum(
                int(x["THANH_TIEN_BV"]) for x in lines_s if x["MA_NHOM"] in ("10", "11")
            )
            first_d, first_s = self.n_drugs, self.n_services
            mismatch = None
            if visit_defect is None and i not in warned and rng.random() < 0.02:
                mismatch = "drug_total" if rng.random() < 0.5 else "supply_total"
                visit_defect = _err("visits", f"{mismatch}_does_not_match_lines")
                out_planted.append((first + i, visit_defect))
            if visit_defect is None:
                broken = len(out_planted)
                _plant_lines(
                    rng,
                    lines_d,
                    lines_s,
                    stay,
                    self.expired,
                    self.cycle,
                    w,
                    first_d,
                    first_s,
                    out_planted,
                    self.pools,
                )
                if lines_d and rng.random() < w.spec.error_rate / 4:
                    orphan = dict(lines_d[0], MA_LK=lk + "X", STT=str(len(lines_d) + 1))
                    lines_d.append(orphan)
                    out_planted.append(
                        (first_d + len(lines_d) - 1, _err("visit_drugs", "orphan_line"))
                    )
                if len(out_planted) > broken:  # clean lines already add up (`_lines`)
                    _settle(visit, lk, totals[i], lines_d, lines_s, exam)
            elif mismatch is not None:
                visit["T_THUOC" if mismatch == "drug_total" else "T_VTYT"] += 1000
            if visit_defect is not None:
                for n in range(len(lines_d)):
                    out_planted.append((first_d + n, _err("visit_drugs", "parent_quarantined")))
                for n in range(len(lines_s)):
                    out_planted.append((first_s + n, _err("visit_services", "parent_quarantined")))
            self.n_drugs += len(lines_d)
            self.n_services += len(lines_s)
            episodes.append(_hoso(visit, lines_d, lines_s, rng))
        self.made += len(visits)
        if first == 0:
            facility = visits[0].get("MA_CSKCB") or "00000"
            episodes = _head(w.run_date, facility, episodes, self.tag_set, self.visits)
            self.facility = facility
        if self.made >= self.visits:
            episodes.append(_tail(w.run_date, self.facility))
        return Output(
            rel=self.rel,
            expected_status="loaded",
            kind=f"claims_package_{self.tag_set}",
            planted=sorted(out_planted, key=lambda p: (p[1].dataset, p[0])),
            data=episodes,
            continues=first > 0,
        )


def _stay(visit: dict) -> tuple[datetime, datetime]:
    a, b = visit.get("NGAY_VAO"), visit.get("NGAY_RA")
    if isinstance(a, datetime) and isinstance(b, datetime) and a <= b:
        return a, b
    if isinstance(a, datetime):
        return a, a
    return datetime(2026, 1, 1), datetime(2026, 1, 1)


DRUG_NAMES = ("Paracetamol 500mg", "Amoxicilin 500mg", "Vitamin C 500mg", "Omeprazol 20mg")
HALF_HOUR = timedelta(minutes=30)


def _lines(rng, lk, total, stay, valid, licences, stamp) -> tuple[list[dict], list[dict]]:
    """Clean lines whose amounts add up to `total`: drugs, maybe a supply and a bed, and the
    examination takes the remainder. A line holds its values as the package writes them
    (texts: `_when` reads a time back), so that writing it is filling its template (~50,000
    episodes a night); the draws are `Draws`' randint and choice written out."""
    total = int(total)
    r = rng.random
    start = stay[0]
    # An order falls in the stay's minutes but its last hour; times as minute numbers.
    span = max(int((stay[1] - start).total_seconds() // 60) - 60, 0) + 1
    begin = _minute(start)
    n_licences = len(licences)
    drugs: list[dict] = []
    services: list[dict] = []
    used = 0
    for n in range(1 + int(r() * 3)):
        qty, price = 1 + int(r() * 20), (5 + int(r() * 45)) * 100
        if used + qty * price > total // 3:
            break
        used += qty * price
        ordered = begin + int(r() * span)
        amount = str(qty * price)
        drugs.append(
            {
                "MA_LK": lk,
                "STT": str(n + 1),
                "MA_THUOC": f"40.{1 + int(r() * 999)}",
                "MA_NHOM": "4",
                "TEN_THUOC": DRUG_NAMES[int(r() * 4)],
                "DON_VI_TINH": "viên",
                "HAM_LUONG": "500mg",
                "DUONG_DUNG": "1.01",
                "LIEU_DUNG": "1 viên/lần x 2 lần/ngày",
                "SO_DANG_KY": valid[int(r() * len(valid))],
                "TT_THAU": "G1;N1;2026",
                "SO_LUONG": str(qty),
                "DON_GIA": str(price),
                "THANH_TIEN_BV": amount,
                "THANH_TIEN_BH": amount,
                "TYLE_TT_BH": "100",
                "MA_BAC_SI": licences[int(r() * n_licences)] if licences else "",
                "NGAY_YL": _minute_text(ordered),
                "NGAY_TH_YL": _minute_text(ordered + 30),
                "NGAY_CAP_NHAT": stamp,
            }
        )

    def service(group: str, name: str, qty: int, price: int, **extra) -> dict:
        ordered = begin + int(r() * span)
        supply = group in ("10", "11")
        amount = str(qty * price)
        return {
            "MA_LK": lk,
            "STT": str(len(services) + 1),
            "MA_DICH_VU": "" if supply else f"{group}.{1 + int(r() * 999):04d}",
            "MA_VAT_TU": f"N03.01.{1 + int(r() * 999):03d}" if supply else "",
            "MA_NHOM": group,
            ("TEN_VAT_TU" if supply else "TEN_DICH_VU"): name,
            "DON_VI_TINH": "lần",
            "SO_LUONG": str(qty),
            "DON_GIA_BV": str(price),
            "DON_GIA_BH": str(price),
            "THANH_TIEN_BV": amount,
            "THANH_TIEN_BH": amount,
            "MA_KHOA": "K01",
            "MA_BAC_SI": licences[int(r() * n_licences)] if licences else "",
            "NGAY_YL": _minute_text(ordered),
            "NGAY_TH_YL": _minute_text(ordered + 30),
            "NGAY_KQ": _minute_text(ordered + 90),
            "NGAY_CAP_NHAT": stamp,
            **extra,
        }

    if r() < 0.5 and used + 50_000 < total // 2:
        services.append(service("10", "Bơm tiêm 5ml", 1, 50_000))
        used += 50_000
    days = (stay[1].date() - start.date()).days
    if days >= 1 and used + days * 150_000 < total * 3 // 4:
        bed = f"{'HTCK'[int(r() * 4)]}{int(r() * 1000):03d}"
        services.append(service("15", "Giường Nội khoa loại 1", days, 150_000, MA_GIUONG=bed))
        used += days * 150_000
    services.append(service("13", "Khám bệnh", 1, total - used))
    return drugs, services


# The columns the reader fills in for a line (its episode's facility, whether its HOSO
# holds its visit): a package cannot deliver them broken.
READER_FILLS = frozenset({"facility_code", "has_visit"})
# Rules the hand-written kinds above already break (DRUG_ERRORS, SERVICE_ERRORS).
HAND_PLANTED = {
    "visit_drugs": frozenset(
        {
            "amount.is_quantity_times_price",
            "insured_amount.within_amount",
            "drug_group.allowed",
            "coverage_pct.range",
            "executed_at.after_order",
        }
    ),
    "visit_services": frozenset(
        {
            "amount.is_quantity_times_price",
            "bed_code.format",
            "bed_code.required_for_beds",
            "code.exactly_one",
            "insured_unit_price.within_price",
            "result_at.after_execution",
            "executed_at.after_order",
        }
    ),
}


def standard_line_defects(w: World, dataset: str) -> list[tuple[str, Rule]]:
    """(kind, rule) for every rule of a line table with a breaker (the standard rules and
    the description's own) that no hand-written kind breaks and whose columns the package
    delivers; the kind is the rule's short id (`amount.required`). The unique key is broken
    by `duplicate_key` (a copy of a clean line of the episode)."""
    ds = DATASETS[dataset]
    seen: set[str] = set()
    out = []
    for rule in (*standard_rules(ds), *ds.rules):
        kind = rule.id.removeprefix(f"{dataset}.")
        if rule.breaks is None or rule.id in seen or kind in HAND_PLANTED[dataset]:
            continue
        seen.add(rule.id)
        if READER_FILLS & set(rule.columns):
            continue
        out.append((kind, rule))
    return out


@cache
def _tags(dataset: str) -> dict[str, str]:
    """Column -> the tag a package writes it under (the first of the description's)."""
    return {c.name: c.vi[0] for c in DATASETS[dataset].columns if c.vi}


def _break_by_rule(line: dict, dataset: str, rule: Rule, ctx) -> bool:
    """Break one line with the rule's breaker (its columns by their tags); False when the
    breaker cannot break this line (it stays as it was)."""
    tags = _tags(dataset)
    canonical = {
        c: _text(line[t]) if not isinstance(line[t], str) else line[t]
        for c, t in tags.items()
        if t in line
    }
    kind = rule.id.removeprefix(f"{dataset}.")
    supply = str(line.get("MA_NHOM")) in ("10", "11")
    if kind == "name.required" and supply:  # a supply line is named by TEN_VAT_TU
        return False
    if kind == "supply_code.group" and supply:
        return False
    try:
        assert rule.breaks is not None
        overrides = rule.breaks(canonical, ctx)
    except LookupError:
        return False
    if not all(c in tags for c in overrides):
        return False
    for c, v in overrides.items():
        line[tags[c]] = v if isinstance(v, str) else _text(v)  # a line holds texts
    return True


def _plant_lines(rng, drugs, services, stay, expired, cycle, w, first_d, first_s, planted, pools):
    """Break a share of a clean visit's lines, one defect each: the hand-written kinds
    (amounts and dates against each other, codes against the registers) and every other rule
    of the line tables by its breaker, cycling through them. The examination line is never
    broken: `_settle` makes it take up what broken amounts change, so the visit's totals
    still match its lines as delivered. Warnings: an expired registration, a stale stamp."""
    spec = w.spec
    exam = services[-1]
    copies: dict[str, list[dict]] = {"visit_drugs": [], "visit_services": []}

    def table(dataset: str, lines: list[dict], first: int, slot: int) -> None:
        pool, rules = pools[dataset]
        fresh = rules.get("updated_at.fresh")
        # A kind that cannot break the line its turn came on (a bed kind on a drug-free
        # examination, a copy that would overdraw the examination line) is owed: the next
        # broken lines of the package try it first.
        owed: list[str] = w.local.setdefault("claims_line_owed", {}).setdefault(dataset, [])

        def plant(kind: str, line: dict, n: int) -> bool:
            rule = rules.get(kind)
            if kind == "duplicate_key":
                copied = sum(_amount(c) for cs in copies.values() for c in cs)
                if _amount(line) + copied >= _amount(exam):  # the exam stays >= 0
                    return False
                copies[dataset].append(dict(line))
                index = first + len(lines) + len(copies[dataset]) - 1
                planted.append((index, _err(dataset, kind, "clean")))
                return True
            if rule is not None:
                if not _break_by_rule(line, dataset, rule, _line_context(w, dataset)):
                    return False
                planted.append((n + first, _err(dataset, kind, rule.criterion)))
                return True
            if dataset == "visit_services":
                if "bed" in kind and line["MA_NHOM"] != "15":
                    return False
                _break_service(line, kind, stay)
            else:
                _break_drug(line, kind, stay)
            planted.append((first + n, _err(dataset, kind, CRITERION.get(kind, "accurate"))))
            return True

        def turns():
            yield from list(owed)
            for _ in range(len(pool)):
                kind = pool[cycle[slot] % len(pool)]
                cycle[slot] += 1
                rule = rules.get(kind)
                if rule is None or rule.severity == "error":
                    yield kind

        for n, line in enumerate(lines):
            if line is exam:
                continue
            r = rng.random()
            if r < spec.error_rate:
                for kind in turns():
                    if plant(kind, line, n):
                        if kind in owed:
                            owed.remove(kind)
                        break
                    if kind not in owed:
                        owed.append(kind)
            elif r < spec.error_rate + spec.warning_rate:
                stale = dataset == "visit_services" or not expired or cycle[2] % 2 == 1
                cycle[2] += dataset == "visit_drugs"
                if stale:
                    if fresh is None or not _break_by_rule(
                        line, dataset, fresh, _line_context(w, dataset)
                    ):
                        continue
                    planted.append(
                        (
                            first + n,
                            Defect(
                                dataset,
                                "updated_at.fresh",
                                fresh.criterion,
                                "warning",
                                lambda *a: None,
                            ),
                        )
                    )
                    continue
                number, valid_until = rng.choice(expired)
                if (
                    _when(line, "NGAY_YL").date() <= valid_until
                ):  # a long stay ordered before it expired
                    continue
                line["SO_DANG_KY"] = number
                planted.append(
                    (
                        first + n,
                        Defect(
                            "visit_drugs",
                            "expired_registration",
                            "up_to_date",
                            "warning",
                            lambda *a: None,
                        ),
                    )
                )

    table("visit_drugs", drugs, first_d, 0)
    table("visit_services", services, first_s, 1)
    drugs += copies["visit_drugs"]
    services += copies["visit_services"]


def _line_context(w: World, dataset: str):
    """The rules' context of a line table: the same for every visit of the night, so made
    once per night (building Settings and the context per broken visit was ~40 % of the
    generator's time at scale 20)."""
    made = w.facts.setdefault("claims_line_context", {})
    if dataset not in made:
        from flows.settings import Settings  # as standard_defects: the rules as configured
        from transforms.ingest.context import make_context

        rules = w.spec.rules or Settings().rule_settings()
        made[dataset] = make_context(w.run_date, DATASETS[dataset].delivered_by, w.ref, rules)
    return made[dataset]


def _readable(value: object) -> Decimal | None:
    """An amount as the reader sums it (`claims_split.line_amount`)."""
    return line_amount(value if isinstance(value, str) else _text(value))


def _amount(line: dict) -> int | Decimal:
    """A line's amount as the reader sums it: an int when its text is digits (as a clean
    line's is), else as `_readable` reads it, 0 when it cannot be read."""
    value = line.get("THANH_TIEN_BV")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return _readable(value) or Decimal(0)


def _settle(
    visit: dict, lk: str, total: float, drugs: list[dict], services: list[dict], exam: dict
) -> None:
    """Make the visit's totals match its lines as the reader sums them (lines of its MA_LK
    whose amount can be read): the examination line (the last service, never broken) takes
    up the difference to the visit's total cost, T_THUOC and T_VTYT are the sums. In ints
    while every amount is one (a planted text amount makes them Decimal)."""
    drug: int | Decimal = 0
    supply: int | Decimal = 0
    rest: int | Decimal = int(total)
    for x in drugs:
        if x.get("MA_LK") == lk:
            amount = _amount(x)
            drug += amount
            rest -= amount
    for x in services:
        if x.get("MA_LK") == lk and x is not exam:
            amount = _amount(x)
            rest -= amount
            if str(x.get("MA_NHOM")) in ("10", "11"):
                supply += amount
    if exam["MA_LK"] == lk:
        value = _text(_whole(rest))
        for tag in ("DON_GIA_BV", "DON_GIA_BH", "THANH_TIEN_BV", "THANH_TIEN_BH"):
            exam[tag] = value
    visit["T_THUOC"] = _whole(drug)
    visit["T_VTYT"] = _whole(supply)


def _whole(value: int | Decimal) -> int | Decimal:
    return int(value) if value == int(value) else value


def _when(line: dict, tag: str) -> datetime:
    """A line's time (its text, as `_lines` wrote it) to compute with."""
    return datetime.strptime(line[tag], "%Y%m%d%H%M")


def _break_drug(line: dict, kind: str, stay) -> None:
    if kind == "amount_not_quantity_times_price":
        line["DON_GIA"] = str(int(line["DON_GIA"]) + 1000)
    elif kind == "insured_over_amount":
        line["THANH_TIEN_BH"] = str(int(line["THANH_TIEN_BV"]) + 1000)
    elif kind == "ordered_outside_stay":
        ordered = stay[0] - timedelta(days=1)
        line["NGAY_YL"] = _time_text(ordered)
        line["NGAY_TH_YL"] = _time_text(ordered + HALF_HOUR)
    elif kind == "executed_before_order":
        line["NGAY_TH_YL"] = _time_text(_when(line, "NGAY_YL") - timedelta(hours=1))
    elif kind == "drug_group_not_a_drug":
        line["MA_NHOM"] = "9"
    elif kind == "unknown_registration":
        line["SO_DANG_KY"] = "VD-00000-00"
    elif kind == "unknown_prescriber":
        line["MA_BAC_SI"] = "999999/XX-CCHN"
    elif kind == "coverage_over_100":
        line["TYLE_TT_BH"] = "120"


def _break_service(line: dict, kind: str, stay) -> None:
    if kind in ("ordered_outside_stay", "executed_before_order", "unknown_prescriber"):
        _break_drug(line, kind, stay)
        if kind != "unknown_prescriber":
            line["NGAY_KQ"] = _time_text(_when(line, "NGAY_TH_YL") + timedelta(hours=1))
    elif kind == "bad_bed_code":
        line["MA_GIUONG"] = "G12"
    elif kind == "bed_code_missing":
        line["MA_GIUONG"] = ""
    elif kind == "service_and_supply_code":
        line["MA_DICH_VU"] = line["MA_DICH_VU"] or "10.0001"
        line["MA_VAT_TU"] = line["MA_VAT_TU"] or "N03.01.001"
    elif kind == "insured_price_over_price":
        line["DON_GIA_BH"] = str(int(line["DON_GIA_BV"]) + 1000)
    elif kind == "result_before_execution":
        line["NGAY_KQ"] = _time_text(_when(line, "NGAY_TH_YL") - timedelta(hours=1))
    elif kind == "amount_not_quantity_times_price":
        line["DON_GIA_BV"] = str(int(line["DON_GIA_BV"]) + 1000)


def _datetime_text(value: datetime) -> str:
    # printf-style: half the time of the f-string's five format specs
    fields = (value.year, value.month, value.day, value.hour, value.minute)
    return "%04d%02d%02d%02d%02d" % fields  # noqa: UP031


def _minute(value: datetime) -> int:
    """The time's minute number (from 0001-01-01 00:00): a line's times are computed as
    these (`_minute_text`)."""
    return (value.toordinal() * 24 + value.hour) * 60 + value.minute


# A minute number's text as its day's and its time of day's: the day's looked up (a night's
# lines fall on a few hundred days), the time of day's one of 1,440 made once.
_DAYS: dict[int, str] = {}
_TIMES_OF_DAY = ["%02d%02d" % divmod(m, 60) for m in range(24 * 60)]  # noqa: UP031


def _minute_text(minute: int) -> str:
    """The text of a minute number (`_minute`), as `_datetime_text`."""
    days, of_day = divmod(minute, 24 * 60)
    text = _DAYS.get(days)
    if text is None:
        if len(_DAYS) >= 10_000:  # planted dates are spread: keep it small
            _DAYS.clear()
        day = date.fromordinal(days)
        text = _DAYS[days] = "%04d%02d%02d" % (day.year, day.month, day.day)  # noqa: UP031
    return text + _TIMES_OF_DAY[of_day]


def _time_text(value: datetime) -> str:
    return _minute_text(_minute(value))


def _date_text(value: date) -> str:
    return "%04d%02d%02d0000" % (value.year, value.month, value.day)  # noqa: UP031


def _float_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


# A value's text in a package by its class (one lookup per cell: millions a night); any
# other class as str().
_TEXTS: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: "",
    datetime: _time_text,
    date: _date_text,
    float: _float_text,
}
PROLOG = '<?xml version="1.0" encoding="utf-8"?>'


def _text(value: object) -> str:
    return _TEXTS.get(value.__class__, str)(value)


# A row's XML with a `%s` for each cell's text, by its tag and its cells' tags in order
# (a handful of shapes a night: a visit's, a drug line's, a service, supply or bed line's).
# printf-style: `%` fills a template of twenty cells in half the time `str.format` does.
_ROWS: dict[tuple[str, tuple[str, ...]], str] = {}


def _row_template(row_tag: str, tags: tuple[str, ...]) -> str:
    template = _ROWS.get((row_tag, tags))
    if template is None:
        cells = "".join(f"<{tag}>%s</{tag}>" for tag in tags)
        template = _ROWS[(row_tag, tags)] = f"<{row_tag}>{cells}</{row_tag}>"
    return template


def _texts(row: dict) -> dict[str, str]:
    """The row with each value as its text in a package."""
    texts_of, other = _TEXTS.get, str
    return {
        tag: value if value.__class__ is str else texts_of(value.__class__, other)(value)
        for tag, value in row.items()
    }


def _row_xml(row_tag: str, row: dict[str, str]) -> str:
    texts = tuple(row.values())
    joined = "".join(texts)  # look for what must be escaped once a row, not a cell
    if "&" in joined or "<" in joined or ">" in joined:
        texts = tuple(escape(text) for text in texts)
    return _row_template(row_tag, tuple(row)) % texts


def _table(wrapper: str, row_tag: str, rows: list[dict[str, str]]) -> bytes:
    """The rows (of texts: `_texts`) as one table of a HOSO (`<wrapper><DSACH_<row_tag>>...`),
    base64-encoded."""
    body = "".join([_row_xml(row_tag, row) for row in rows])
    xml = f"{PROLOG}<{wrapper}><DSACH_{row_tag}>{body}</DSACH_{row_tag}></{wrapper}>"
    return binascii.b2a_base64(xml.encode("utf-8"), newline=False)  # as base64.b64encode


def _hoso(visit: dict, drugs: list[dict], services: list[dict], rng: random.Random) -> bytes:
    tables = [(b"XML1", _table("TONG_HOP_XML1", "TONG_HOP", [_texts(visit)]))]
    if drugs:
        tables.append((b"XML2", _table("CHITIEU_CHITIET_THUOC", "CHI_TIET_THUOC", drugs)))
    if services:
        tables.append((b"XML3", _table("CHITIEU_CHITIET_DVKT", "CHI_TIET_DVKT", services)))
    lk = visit.get("MA_LK") or ""
    if rng.random() < 0.3:
        tables.append(
            (
                b"XML4",
                _table(
                    "CHITIEU_CHITIET_DICHVUCANLAMSANG",
                    "CHI_TIET_CLS",
                    [{"MA_LK": lk, "STT": "1", "MA_DICH_VU": "01.0001", "GIA_TRI": "5.2"}],
                ),
            )
        )
    if rng.random() < 0.2:
        tables.append(
            (
                b"XML5",
                _table(
                    "CHITIEU_CHITIET_DIENBIENLAMSANG",
                    "CHI_TIET_DIEN_BIEN_BENH",
                    [{"MA_LK": lk, "STT": "1", "DIEN_BIEN_LS": "Ổn định"}],
                ),
            )
        )
    files = b"".join(
        b"<FILEHOSO><LOAIHOSO>%s</LOAIHOSO><NOIDUNGFILE>%s</NOIDUNGFILE></FILEHOSO>" % table
        for table in tables
    )
    return b"<HOSO>%s</HOSO>" % files


def _head(
    run_date: date, facility: str, episodes: list[bytes], tag_set: str, count: int
) -> list[bytes]:
    """The package's opening, and its first episodes (the first carries an XML13)."""
    referral = {"MA_LK": "REF", "MA_CSKCB_DI" if tag_set == "3176" else "MA_NOI_DI": facility}
    xml13 = _table("CHITIEU_GIAYCHUYENTUYEN", "GIAY_CHUYEN_TUYEN", [referral])
    first = episodes[0].replace(
        b"</HOSO>",
        b"<FILEHOSO><LOAIHOSO>XML13</LOAIHOSO><NOIDUNGFILE>%s</NOIDUNGFILE></FILEHOSO></HOSO>"
        % xml13,
        1,
    )
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n<GIAMDINHHS>'
        f"<THONGTINDONVI><MACSKCB>{escape(facility)}</MACSKCB></THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>{run_date:%Y%m%d}</NGAYLAP>"
        f"<SOLUONGHOSO>{count}</SOLUONGHOSO><DANHSACHHOSO>"
    )
    return [head.encode("utf-8"), first, *episodes[1:]]


def _tail(run_date: date, facility: str) -> bytes:
    """The package's close, signed (CHUKYDONVI)."""
    signature = base64.b64encode(f"{facility}{run_date}".encode()).decode()
    return (
        "</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI>"
        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignatureValue>'
        f"{signature}</SignatureValue></Signature></CHUKYDONVI></GIAMDINHHS>"
    ).encode()
