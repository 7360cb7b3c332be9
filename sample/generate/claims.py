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
import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Any
from xml.sax.saxutils import escape, unescape

import numpy as np

from sample.generate.base import Defect, Draws, KeptTexts, Output, World
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
        # The registers' texts to draw lines' from by index, escaped (`_Lines`).
        self.valid_xml = np.array([escape(x).encode() for x in self.valid], dtype=object)
        licences = self.licences or [""]
        self.licences_xml = np.array([escape(x).encode() for x in licences], dtype=object)
        # The lines' columns are drawn from the package's own numpy stream (`_Lines`).
        self.numpy_rng = w.numpy_rng("claims", prov)
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
        self.shapes = _Shapes(self.stamp)
        self.tag_set = "3176" if (index // EVERY) % 2 == 0 else "130"
        self.made = 0  # visits made so far

    def part(self, visits: list[dict], planted: list, totals: list) -> Output:
        """The next part of the package: `visits` are its next XML1 rows (claims tags, values
        as the visits generator made them, defects planted), `planted` their (row, defect)
        in this part, `totals` the clean total cost of each (the lines add up to it)."""
        with _no_cycle_collection():
            return self._part(visits, planted, totals)

    def _part(self, visits: list[dict], planted: list, totals: list) -> Output:
        w, first, g = self.w, self.made, self.numpy_rng
        errored = {i: d for i, d in planted if d.severity == "error"}
        warned = {i for i, d in planted if d.severity == "warning"}
        # A mapped old commune code (a `note`) stays in the package and is loaded as its
        # successor, but a package keeps no rows to read it back from: it is not listed in
        # old_communes.csv (the row is clean either way).
        out_planted = [(first + i, d) for i, d in planted if d.severity != "note"]
        with_lines = [i for i, visit in enumerate(visits) if _has_lines(visit, errored.get(i))]
        lines = _Lines(self, [visits[i] for i in with_lines], [totals[i] for i in with_lines])
        # Per visit with lines: whether its totals are planted off its lines (and which);
        # per visit: whether it has XML4, XML5 tables.
        n = len(with_lines)
        mismatch = (g.random(n) < 0.02).tolist()
        drug_side = (g.random(n) < 0.5).tolist()
        xml4 = (g.random(len(visits)) < 0.3).tolist()
        xml5 = (g.random(len(visits)) < 0.2).tolist()
        line_tables: list[list[tuple[bytes, bytes]] | None] = [None] * len(visits)
        for k, i in enumerate(with_lines):
            visit, visit_defect, side = visits[i], errored.get(i), None
            if visit_defect is None and i not in warned and mismatch[k]:
                side = "drug_total" if drug_side[k] else "supply_total"
                visit_defect = _err("visits", f"{side}_does_not_match_lines")
                out_planted.append((first + i, visit_defect))
            line_tables[i] = self._lines(
                visit, lines, k, visit_defect, lines.orphan[k], out_planted
            )
            if side is not None:
                visit["T_THUOC" if side == "drug_total" else "T_VTYT"] += 1000
        episodes: list[bytes] = []
        for i, (visit, xml1, tables) in enumerate(
            zip(visits, _visit_tables(visits), line_tables, strict=True)
        ):
            tables = [(b"XML1", xml1), *(tables or ())]
            if xml4[i] or xml5[i]:
                lk = escape(visit.get("MA_LK") or "").encode()
                if xml4[i]:
                    tables.append((b"XML4", _encoded(*XML4, XML4_ROW % lk)))
                if xml5[i]:
                    tables.append((b"XML5", _encoded(*XML5, XML5_ROW % lk)))
            episodes.append(_hoso(tables))
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

    def _lines(
        self,
        visit: dict,
        lines: _Lines,
        k: int,
        visit_defect: Defect | None,
        orphan: bool,
        planted: list,
    ) -> list[tuple[bytes, bytes]]:
        """The XML2 and XML3 tables of the part's `k`th visit with lines: as drawn when none
        of them is broken (their XML made from the columns), else as rows of texts, broken,
        with an orphan, settled. Its lines' truth goes to `planted`; T_THUOC, T_VTYT to
        the visit."""
        first_d, first_s = self.n_drugs, self.n_services
        visit["T_THUOC"], visit["T_VTYT"] = lines.drug_amount[k], lines.supply_amount[k]
        if visit_defect is None and (orphan or lines.breaks[k]):
            drugs, services, written = lines.rows(k, orphan)
            exam = services[-1]  # the examination takes the remainder (never broken)
            broken = len(planted)
            _plant_lines(self, lines, k, drugs, services, planted)
            if orphan:
                lk = drugs[0]["MA_LK"]
                drugs.append(dict(drugs[0], MA_LK=lk + "X", STT=str(len(drugs) + 1)))
                planted.append((first_d + len(drugs) - 1, _err("visit_drugs", "orphan_line")))
            if len(planted) > broken:  # clean lines already add up
                _settle(visit, lines.lk[k], lines.total[k], drugs, services, exam, written)
            self.n_drugs += len(drugs)
            self.n_services += len(services)
            tables = [(b"XML3", _table(*XML3, services))]
            if drugs:
                tables.insert(0, (b"XML2", _table(*XML2, drugs)))
            return tables
        n_drugs, n_services = lines.n_drugs[k], lines.n_services[k]
        if visit_defect is not None:  # the visit's lines go with it
            for n in range(n_drugs):
                planted.append((first_d + n, _err("visit_drugs", "parent_quarantined")))
            for n in range(n_services):
                planted.append((first_s + n, _err("visit_services", "parent_quarantined")))
        self.n_drugs += n_drugs
        self.n_services += n_services
        tables = [(b"XML3", _encoded(*XML3, lines.service_xml[k]))]
        if n_drugs:
            tables.insert(0, (b"XML2", _encoded(*XML2, lines.drug_xml[k])))
        return tables


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """No cyclic garbage collection while a part is made: it makes no reference cycles (its
    garbage goes by reference counts), but its columns' hundreds of thousands of
    containers would set off collections of the generator's whole heap (~20 us an episode
    at scale 10, more than the lines' own writing)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _stay(visit: dict) -> tuple[datetime, datetime]:
    a, b = visit.get("NGAY_VAO"), visit.get("NGAY_RA")
    if isinstance(a, datetime) and isinstance(b, datetime) and a <= b:
        return a, b
    if isinstance(a, datetime):
        return a, a
    return datetime(2026, 1, 1), datetime(2026, 1, 1)


DRUG_NAMES = ("Paracetamol 500mg", "Amoxicilin 500mg", "Vitamin C 500mg", "Omeprazol 20mg")
HALF_HOUR = timedelta(minutes=30)
# The line tables' and the extra tables' (wrapper, row tag).
XML2 = ("CHITIEU_CHITIET_THUOC", "CHI_TIET_THUOC")
XML3 = ("CHITIEU_CHITIET_DVKT", "CHI_TIET_DVKT")
XML4 = ("CHITIEU_CHITIET_DICHVUCANLAMSANG", "CHI_TIET_CLS")
XML5 = ("CHITIEU_CHITIET_DIENBIENLAMSANG", "CHI_TIET_DIEN_BIEN_BENH")


def _has_lines(visit: dict, defect: Defect | None) -> bool:
    """Whether a visit gets lines: not without a key or a facility to hang them on, nor when
    its planted error leaves it none (a duplicate, a key too long or missing)."""
    lk = visit.get("MA_LK")
    if defect is not None and defect.kind in NO_LINES:
        return False
    return isinstance(lk, str) and bool(lk) and bool(visit.get("MA_CSKCB"))


def _template(row_tag: str, cells: tuple[tuple[str, str], ...]) -> bytes:
    """A line's XML template, from its cells in order: each a tag with a constant text
    (without `%`) or a format that the line's texts fill (`%s`; a time's takes two, its
    day's and its time of day's). `template % texts` is the line's XML (bytes; its texts
    escaped bytes: `_Lines`)."""
    xml = "".join(f"<{t}>{x if '%' in x else escape(x)}</{t}>" for t, x in cells)
    return f"<{row_tag}>{xml}</{row_tag}>".encode()


# The XML4 and XML5 tables' one row (of its visit's MA_LK).
XML4_ROW = _template(
    XML4[1], (("MA_LK", "%s"), ("STT", "1"), ("MA_DICH_VU", "01.0001"), ("GIA_TRI", "5.2"))
)
XML5_ROW = _template(XML5[1], (("MA_LK", "%s"), ("STT", "1"), ("DIEN_BIEN_LS", "Ổn định")))
TIME = "%s%s"  # a time's text: its day's (YYYYMMDD) and its time of day's (HHMM)


def _service_cells(stamp: str, group: str, name: str, qty: str, price: str, amount: str):
    """A service line's cells: a supply (groups 10, 11) has a supply code and name, any other
    service a service code and name."""
    supply = group in ("10", "11")
    return (
        ("MA_LK", "%s"),
        ("STT", "%s"),
        ("MA_DICH_VU", "" if supply else f"{group}.%s"),
        ("MA_VAT_TU", "N03.01.%s" if supply else ""),
        ("MA_NHOM", group),
        ("TEN_VAT_TU" if supply else "TEN_DICH_VU", name),
        ("DON_VI_TINH", "lần"),
        ("SO_LUONG", qty),
        ("DON_GIA_BV", price),
        ("DON_GIA_BH", price),
        ("THANH_TIEN_BV", amount),
        ("THANH_TIEN_BH", amount),
        ("MA_KHOA", "K01"),
        ("MA_BAC_SI", "%s"),
        ("NGAY_YL", TIME),
        ("NGAY_TH_YL", TIME),
        ("NGAY_KQ", TIME),
        ("NGAY_CAP_NHAT", stamp),
    )


class _Shapes:
    """The templates of a package's lines (each carries its stamp, NGAY_CAP_NHAT)."""

    def __init__(self, stamp: str) -> None:
        self.drug = _template(
            XML2[1],
            (
                ("MA_LK", "%s"),
                ("STT", "%s"),
                ("MA_THUOC", "40.%s"),
                ("MA_NHOM", "4"),
                ("TEN_THUOC", "%s"),
                ("DON_VI_TINH", "viên"),
                ("HAM_LUONG", "500mg"),
                ("DUONG_DUNG", "1.01"),
                ("LIEU_DUNG", "1 viên/lần x 2 lần/ngày"),
                ("SO_DANG_KY", "%s"),
                ("TT_THAU", "G1;N1;2026"),
                ("SO_LUONG", "%s"),
                ("DON_GIA", "%s"),
                ("THANH_TIEN_BV", "%s"),
                ("THANH_TIEN_BH", "%s"),
                ("TYLE_TT_BH", "100"),
                ("MA_BAC_SI", "%s"),
                ("NGAY_YL", TIME),
                ("NGAY_TH_YL", TIME),
                ("NGAY_CAP_NHAT", stamp),
            ),
        )
        syringe = _service_cells(stamp, "10", "Bơm tiêm 5ml", "1", SYRINGE, SYRINGE)
        self.supply = _template(XML3[1], syringe)
        bed = _service_cells(stamp, "15", "Giường Nội khoa loại 1", "%s", BED_DAY, "%s")
        self.bed = _template(XML3[1], (*bed, ("MA_GIUONG", "%s")))
        exam = _service_cells(stamp, "13", "Khám bệnh", "1", "%s", "%s")
        self.exam = _template(XML3[1], exam)


SYRINGE, BED_DAY = "50000", "150000"  # a supply line's and a bed day's price


@cache
def _number_texts(width: int) -> np.ndarray:
    """The texts of the numbers below 100,000 (below 1,000 zero-padded to `width`: codes)
    as bytes, to look numbers up."""
    size = 1_000 if width else 100_000
    return np.array([b"%0*d" % (width, i) for i in range(size)], dtype=object)


def _numbers(values: np.ndarray, width: int = 0) -> list[bytes]:
    """Numbers' texts as bytes: looked up when all are small (a line's quantities, prices,
    amounts, codes), else formatted."""
    texts = _number_texts(width)
    if len(values) == 0 or (values.min() >= 0 and values.max() < len(texts)):
        return texts[values].tolist()
    return [b"%0*d" % (width, v) for v in values.tolist()]


def _times(minutes: np.ndarray) -> tuple[list[bytes], list[bytes]]:
    """Minute numbers' (`_minute`) texts as their days' and their times of day's, each
    looked up (a part's lines fall on a few hundred days): together `_minute_text`'s."""
    days, of_day = np.divmod(minutes, 24 * 60)
    unique, inverse = np.unique(days, return_inverse=True)
    texts = [_minute_text(day * 24 * 60)[:8].encode() for day in unique.tolist()]
    return np.array(texts, dtype=object)[inverse].tolist(), _TIMES_OF_DAY_BYTES[of_day].tolist()


class _Lines:
    """A part's clean lines, drawn a column at a time from the package's numpy stream, for
    each of its visits with lines (the `k`th): up to three drugs while they come to no more
    than a third of its total, a syringe half the time when it fits in half, a bed a day of
    a stay of a day or more when it fits in three quarters, and the examination, which takes
    the remainder: the lines add up to the visit's total. An order falls in the stay's
    minutes but its last hour, its execution half an hour later, a result an hour after.

    `drug_xml[k]`, `service_xml[k]`: the visit's lines' XML, filled from the columns in C
    loops; `breaks[k]`: whether one of its lines drew a defect (`draws(k)`: each line's draw);
    `rows(k)`: its lines as rows of texts, to break (a fifth of the visits)."""

    def __init__(self, pkg: Package, visits: list[dict], totals: list) -> None:
        g, n, spec = pkg.numpy_rng, len(visits), pkg.w.spec
        self.shapes = pkg.shapes
        self.visits, self.lk = visits, [v["MA_LK"] for v in visits]
        # The stays' first and last minutes, and how many nights they span.
        stays = np.array([m for v in visits for m in map(_minute, _stay(v))], dtype=np.int64)
        begin, end = stays.reshape(n, 2).T
        span = np.maximum(end - begin - 60, 0) + 1
        days = end // (24 * 60) - begin // (24 * 60)
        total = np.array([int(t) for t in totals], dtype=np.int64)
        self.total = total.tolist()
        self.days = days

        def ordered(size: tuple[int, int]) -> np.ndarray:
            return begin[:, None] + g.integers(0, span[:, None], size)

        # Drugs, three slots a visit, kept while they come to a third of its total.
        tried = g.integers(1, 4, n)
        qty, price = g.integers(1, 21, (n, 3)), g.integers(5, 50, (n, 3)) * 100
        amount = qty * price
        kept = (np.cumsum(amount, axis=1) <= (total // 3)[:, None]) & (
            np.arange(3) < tried[:, None]
        )
        drug = (amount * kept).sum(axis=1)
        self.drug = {
            "qty": qty,
            "price": price,
            "amount": amount,
            "code": g.integers(1, 1000, (n, 3)),
            "name": g.integers(0, len(DRUG_NAMES), (n, 3)),
            "registration": g.integers(0, len(pkg.valid), (n, 3)),
            "doctor": g.integers(0, max(len(pkg.licences), 1), (n, 3)),
            "ordered": ordered((n, 3)),
        }
        # Services: the syringe, the bed, the examination (slots 0, 1, 2).
        syringe = (g.random(n) < 0.5) & (drug + int(SYRINGE) < total // 2)
        used = drug + int(SYRINGE) * syringe
        bed = (days >= 1) & (used + days * int(BED_DAY) < total * 3 // 4)
        self.exam_amount = total - used - days * int(BED_DAY) * bed
        self.service = {
            "code": g.integers(1, 1000, (n, 3)),
            "doctor": g.integers(0, max(len(pkg.licences), 1), (n, 3)),
            "ordered": ordered((n, 3)),
            "bed": g.integers(0, 4, n),
            "bed_number": g.integers(0, 1000, n),
        }
        self.kept, self.has = kept, (syringe, bed)
        self.n_drugs = kept.sum(axis=1).tolist()
        self.n_services = (1 + syringe + bed).tolist()
        self.drug_amount = drug.tolist()
        self.supply_amount = (int(SYRINGE) * syringe).tolist()
        # Each line's draw of a defect (error below error_rate, warning below both rates).
        drug_draws, service_draws = g.random((n, 3)), g.random((n, 3))
        self.defect = defect = spec.error_rate + spec.warning_rate
        broken = (kept & (drug_draws < defect)).any(axis=1)
        broken |= syringe & (service_draws[:, 0] < defect)
        broken |= bed & (service_draws[:, 1] < defect)
        self.breaks = broken.tolist()
        # Kept as rows of arrays, not lists of lists: a list a visit would have the cyclic
        # garbage collector sweep the whole heap every few hundred visits.
        self.drug_draws, self.service_draws = drug_draws, service_draws
        self.syringe, self.bed = syringe.tolist(), bed.tolist()
        # Whether its drugs gain an orphan (a copy of its first under another key).
        self.orphan = ((g.random(n) < spec.error_rate / 4) & kept[:, 0]).tolist()
        # The lines' XML from the columns (a visit's lines of a slot at a time), texts escaped:
        # the MA_LK's, the registrations', the licences'.
        lk = np.array([escape(x).encode() for x in self.lk], dtype=object)
        self.texts = (lk, pkg.valid_xml, pkg.licences_xml)
        drug_slots = [
            self._xml(n, at, self.shapes.drug, self._drugs(slot, at))
            for slot in range(3)
            for at in [np.flatnonzero(kept[:, slot])]
        ]
        templates = (self.shapes.supply, self.shapes.bed, self.shapes.exam)
        service_slots = [
            self._xml(n, at, template, self._services(slot, at))
            for slot, template in enumerate(templates)
            for at in [np.flatnonzero(self.has[slot]) if slot < 2 else np.arange(n)]
        ]
        self.drug_xml = list(map(b"".join, zip(*drug_slots, strict=True)))
        self.service_xml = list(map(b"".join, zip(*service_slots, strict=True)))
        self.slots = (drug_slots, service_slots)
        self.bed_amount = (days * int(BED_DAY)).tolist()
        self.drug_amounts = amount * kept

    @staticmethod
    def _xml(n: int, at: np.ndarray, template: bytes, columns: list[list]) -> list[bytes]:
        """The XML of the lines of one slot of the visits `at` (empty for the other visits)
        from their columns of texts: a template filled in a C loop."""
        out = [b""] * n
        made = map(template.__mod__, zip(*columns, strict=True))
        for k, xml in zip(at.tolist(), made, strict=True):
            out[k] = xml
        return out

    def _drugs(self, slot: int, at: np.ndarray) -> list[list[bytes]]:
        """The texts of the drug lines in `slot` of the visits `at`, a column for each of
        their cells' `%s` in order."""
        lk, registrations, doctors = self.texts
        c = {name: column[at, slot] for name, column in self.drug.items()}
        amount = _numbers(c["amount"])
        return [
            lk[at].tolist(),
            _numbers(np.full(len(at), slot + 1)),
            _numbers(c["code"]),
            DRUG_NAME_TEXTS[c["name"]].tolist(),
            registrations[c["registration"]].tolist(),
            _numbers(c["qty"]),
            _numbers(c["price"]),
            amount,
            amount,
            doctors[c["doctor"]].tolist(),
            *_times(c["ordered"]),
            *_times(c["ordered"] + 30),
        ]

    def _services(self, slot: int, at: np.ndarray) -> list[list[bytes]]:
        """The texts of the service lines in `slot` (0 the syringe, 1 the bed, 2 the
        examination) of the visits `at`, a column for each of their cells' `%s` in order."""
        lk, _, doctors = self.texts
        syringe, bed = self.has
        ordered = self.service["ordered"][at, slot]
        number = 1 + (slot >= 1) * syringe[at] + (slot == 2) * bed[at]  # STT
        code = _numbers(self.service["code"][at, slot], 3 if slot == 0 else 4)
        head = [lk[at].tolist(), _numbers(number), code]
        tail = [
            doctors[self.service["doctor"][at, slot]].tolist(),
            *_times(ordered),
            *_times(ordered + 30),
            *_times(ordered + 90),
        ]
        if slot == 0:
            return head + tail
        if slot == 1:
            days = self.days[at]
            amount = _numbers(days * int(BED_DAY))
            letters = BED_LETTERS[self.service["bed"][at]].tolist()
            numbers = _numbers(self.service["bed_number"][at], 3)
            beds = list(map(bytes.__add__, letters, numbers))  # MA_GIUONG
            return [*head, _numbers(days), amount, amount, *tail, beds]
        amount = _numbers(self.exam_amount[at])
        return [*head, amount, amount, amount, amount, *tail]

    def draws(self, k: int) -> tuple[list[float], list[float]]:
        """Each of the visit's lines' draw of a defect: its drugs', its services' (the
        examination's is never used)."""
        services = self.service_draws[k].tolist()
        slots = (0,) * self.syringe[k] + (1,) * self.bed[k] + (2,)
        return self.drug_draws[k, : self.n_drugs[k]].tolist(), [services[s] for s in slots]

    def rows(self, k: int, orphan: bool) -> tuple[list, list, tuple[int, int, int]]:
        """The visit's lines to break: those that drew a defect (and the first drug, which an
        orphan copies) and the examination (`_settle` may change its amount) as rows of
        texts (read back from their XML), the others as their XML; and the amounts of
        those (drugs, supplies, other services)."""
        (drug_xml, service_xml), defect = self.slots, self.defect
        drugs: list = []
        clean_drugs = 0
        for slot, draw in enumerate(self.drug_draws[k, : self.n_drugs[k]].tolist()):
            if draw < defect or (slot == 0 and orphan):
                drugs.append(_row_of(drug_xml[slot][k]))
            else:
                drugs.append(drug_xml[slot][k])
                clean_drugs += int(self.drug_amounts[k, slot])
        services: list = []
        clean = [0, 0]  # the syringe's, the bed's
        for slot, amount in ((0, int(SYRINGE) * self.syringe[k]), (1, self.bed_amount[k])):
            if not (self.syringe, self.bed)[slot][k]:
                continue
            if self.service_draws[k, slot] < defect:
                services.append(_row_of(service_xml[slot][k]))
            else:
                services.append(service_xml[slot][k])
                clean[slot] = amount
        services.append(_row_of(service_xml[2][k]))
        return drugs, services, (clean_drugs, clean[0], clean[1])


_CELL = re.compile(r"<(\w+)>([^<]*)</\1>")


def _row_of(xml: bytes) -> dict[str, str]:
    """A line's row of texts, read back from its XML (`_Lines`), to break."""
    text = xml.decode()
    row = dict(_CELL.findall(text))
    if "&" in text:
        return {tag: unescape(value) for tag, value in row.items()}
    return row


DRUG_NAME_TEXTS = np.array([escape(x).encode() for x in DRUG_NAMES], dtype=object)
BED_LETTERS = np.array([x.encode() for x in "HTCK"], dtype=object)


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


def _plant_lines(
    pkg: Package, drawn: _Lines, k: int, drugs: list[dict], services: list[dict], planted: list
) -> None:
    """Break a share of a clean visit's lines (the part's `k`th with lines), one defect each:
    the hand-written kinds (amounts and dates against each other, codes against the
    registers) and every other rule of the line tables by its breaker, cycling through them.
    A line is broken when its draw (`_Lines.draws`) falls under the error rate, a warning
    planted under both rates. The examination line is never broken: `_settle` makes it take
    up what broken amounts change, so the visit's totals still match its lines as delivered.
    Warnings: an expired registration, a stale stamp."""
    w, rng, expired, cycle, pools = pkg.w, pkg.rng, pkg.expired, pkg.cycle, pkg.pools
    spec, stay = w.spec, _stay(drawn.visits[k])
    first_d, first_s = pkg.n_drugs, pkg.n_services
    draws = dict(zip(("visit_drugs", "visit_services"), drawn.draws(k), strict=True))
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

        for n, (line, r) in enumerate(zip(lines, draws[dataset], strict=True)):
            if line is exam or line.__class__ is bytes:  # a line drawn clean: its XML
                continue
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
    visit: dict,
    lk: str,
    total: float,
    drugs: list,
    services: list,
    exam: dict,
    written: tuple[int, int, int] = (0, 0, 0),
) -> None:
    """Make the visit's totals match its lines as the reader sums them (lines of its MA_LK
    whose amount can be read): the examination line (the last service, never broken) takes
    up the difference to the visit's total cost, T_THUOC and T_VTYT are the sums. Lines
    already written as their XML (clean, of the visit's MA_LK) come as their amounts'
    sums, `written` (drugs, supplies, other services). In ints while every amount is one
    (a planted text amount makes them Decimal)."""
    drug: int | Decimal = written[0]
    supply: int | Decimal = written[1]
    rest: int | Decimal = int(total) - sum(written)
    for x in drugs:
        if x.__class__ is dict and x.get("MA_LK") == lk:
            amount = _amount(x)
            drug += amount
            rest -= amount
    for x in services:
        if x.__class__ is dict and x.get("MA_LK") == lk and x is not exam:
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
    """A line's time (its text, YYYYMMDDHHMM as `_Lines` wrote it) to compute with."""
    t = line[tag]
    return datetime(int(t[:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]), int(t[10:12]))


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
_DAYS: KeptTexts[str] = KeptTexts(
    lambda days: "%04d%02d%02d" % date.fromordinal(days).timetuple()[:3]  # noqa: UP031
)
_TIMES_OF_DAY = ["%02d%02d" % divmod(m, 60) for m in range(24 * 60)]  # noqa: UP031
_TIMES_OF_DAY_BYTES = np.array([x.encode() for x in _TIMES_OF_DAY], dtype=object)


def _minute_text(minute: int) -> str:
    """The text of a minute number (`_minute`), as `_datetime_text`."""
    days, of_day = divmod(minute, 24 * 60)
    return _DAYS[days] + _TIMES_OF_DAY[of_day]


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


def _visit_tables(visits: list[dict]) -> list[bytes]:
    """Each visit's XML1 table, base64-encoded, its texts made a column at a time (a
    column of one class at once: most are all texts already); the visits of a part share
    their tags but for a few, each shape on its own. As `_table` of its `_texts`."""
    shapes: dict[tuple[str, ...], list[int]] = {}
    for i, visit in enumerate(visits):
        shapes.setdefault(tuple(visit), []).append(i)
    head, tail = _wrapping("TONG_HOP_XML1", "TONG_HOP")
    out = [b""] * len(visits)
    for tags, at in shapes.items():
        columns = []
        picked = list(map(itemgetter(*tags), [visits[i] for i in at]))  # a tuple each
        for values in zip(*picked, strict=True) if len(tags) > 1 else [picked]:
            classes = set(map(type, values))
            if classes == {str}:
                texts = list(values)
            elif len(classes) == 1:
                texts = list(map(_TEXTS.get(classes.pop(), str), values))
            else:
                of = {c: _TEXTS.get(c, str) for c in classes}
                texts = [v if v.__class__ is str else of[v.__class__](v) for v in values]
            joined = "".join(texts)  # look for what must be escaped once a column
            if "&" in joined or "<" in joined or ">" in joined:
                texts = [escape(text) for text in texts]
            columns.append(texts)
        template = _row_template("TONG_HOP", tags)
        made = map(template.__mod__, zip(*columns, strict=True))
        for i, row in zip(at, made, strict=True):
            out[i] = binascii.b2a_base64(head + row.encode() + tail, newline=False)
    return out


def _row_xml(row_tag: str, row: dict[str, str]) -> str:
    texts = tuple(row.values())
    joined = "".join(texts)  # look for what must be escaped once a row, not a cell
    if "&" in joined or "<" in joined or ">" in joined:
        texts = tuple(escape(text) for text in texts)
    return _row_template(row_tag, tuple(row)) % texts


def _table(wrapper: str, row_tag: str, rows: list) -> bytes:
    """The rows (of texts: `_texts`, or a row's XML already made, as bytes) as one table of
    a HOSO (`<wrapper><DSACH_<row_tag>>...`), base64-encoded."""
    body = b"".join(
        [row if row.__class__ is bytes else _row_xml(row_tag, row).encode() for row in rows]
    )
    return _encoded(wrapper, row_tag, body)


@cache
def _wrapping(wrapper: str, row_tag: str) -> tuple[bytes, bytes]:
    head = f"{PROLOG}<{wrapper}><DSACH_{row_tag}>".encode()
    return head, f"</DSACH_{row_tag}></{wrapper}>".encode()


def _encoded(wrapper: str, row_tag: str, body: bytes) -> bytes:
    """A table of a HOSO whose rows' XML is `body`, base64-encoded."""
    head, tail = _wrapping(wrapper, row_tag)
    return binascii.b2a_base64(head + body + tail, newline=False)  # as base64.b64encode


def _hoso(tables: list[tuple[bytes, bytes]]) -> bytes:
    """An episode: its tables, (LOAIHOSO, base64-encoded table), in order."""
    return b"<HOSO>%s</HOSO>" % b"".join([FILEHOSO % table for table in tables])


FILEHOSO = b"<FILEHOSO><LOAIHOSO>%s</LOAIHOSO><NOIDUNGFILE>%s</NOIDUNGFILE></FILEHOSO>"


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
