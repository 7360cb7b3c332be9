"""Consecutive nights to learn from (`vnhealth generate --nights N`): a weekday rhythm and
noise in the size of each night, indicators that agree as they do in life (BCG and HEPB
dose 1 about as many as births, DPT dose 3 about as many as dose 1), and anomalies of every
kind the plausibility checks look for, planted on the last nights with their ground truth
in `_truth/anomalies.csv` (run_date, check, kind, source, province_code, dataset, metric,
role). Role `planted`: a series the checks must find moved. Role `moved`: a series the
plant moves as a consequence (the night's other checks of the same source and dataset, the
line tables of a claims package, the indicator pairs and month-to-date totals that count
the rows it adds or takes away); a finding there is explained by the plant, not false, and
not required.

Each night is written by `night.generate`; this module only chooses its size and seed and
adjusts its outputs (`adjust`) before they are written. Rows it adds are copies of clean
rows with new ids; rows it takes away are clean rows; planted row defects keep their truth.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sample.generate import immunizations
from sample.generate.base import NightSpec, Output, World, row_writer
from sample.generate.night import generate
from sample.generate.population import last_part
from transforms.ingest.landing import CLAIMS_DATASETS
from transforms.reference import Reference
from transforms.scoring.plausibility import load_config

# A night's size by weekday (Monday 0): offices send less at the weekend.
RHYTHM = {0: 1.0, 1: 1.02, 2: 1.0, 3: 0.98, 4: 0.95, 5: 0.7, 6: 0.6}
NOISE = 0.03  # the nightly size varies by about this much around its weekday's
HISTORY_FOR_ANOMALIES = 7  # nights before the first planted anomaly (the checks' minimum)
PAIR_NIGHTS = 4  # a broken indicator pair lasts this many nights
PAIR_WINDOW = 7  # nights an indicator pair sums (plausibility_pair_window_nights' default)
# Plants that change how many rows a source delivered (not only what the rows hold).
# A value shift multiplies a night's costs by this much: at a small scale (30 visits a
# night) a night's median wobbles by about 2/sqrt(30) of itself, and its own draw may sit
# at half the usual one, so ×4 could land within the checks' noise (it did at seed 0 once
# the provinces got their own random streams); ×8 cannot.
VALUE_SHIFT = 8
ROW_COUNT_KINDS = frozenset({"volume_drop", "volume_spike", "pair_broken"})
# Deliveries written as a workbook every night (province position: dataset), so that the
# layout plants compare a workbook with a workbook: the table on sheet `DATA_SHEET`, its
# header on row 1, unless tonight's plant moves them.
WORKBOOKS = {4: "births", 6: "births"}
DATA_SHEET = "Data"
TITLE_BLOCK = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
MOVED_SHEET = "Số liệu"
INSTRUCTIONS = ("Hướng dẫn", ("Nhập số liệu ở trang tính kế tiếp.", "Không đổi tên cột."))


@dataclass(frozen=True)
class Anomaly:
    run_date: date
    check: str  # the check that must find it (dq.anomalies.check, or schema)
    kind: str
    province_index: int  # position in the reference list of provinces
    dataset: str
    metric: str


def plan(days: list[date]) -> list[Anomaly]:
    """One anomaly of each kind, on nights with at least `HISTORY_FOR_ANOMALIES` nights
    before them (the checks need 7), spread backwards from the last night; none in a
    shorter history. Provinces by position: ones whose visits are written with English
    headers, in one file (not a claims package), under the current province code, and
    that deliver births and immunizations every night. A broken pair lasts `PAIR_NIGHTS`
    nights, ending on the last."""
    usable = days[HISTORY_FOR_ANOMALIES:]
    if not usable:
        return []
    kinds = [
        # Not 1, 5, 9: those send claims packages, whose rows are not rewritten here.
        ("volume", "volume_drop", 10, "visits", "rows"),
        ("volume", "volume_spike", 2, "visits", "rows"),
        ("value", "value_shift", 7, "visits", "median:total_cost"),
        ("distribution", "distribution_shift", 7, "visits", "share:visit_type"),
        ("schema", "column_added", 8, "births", "columns"),
        # Workbook deliveries (`WORKBOOKS`): a title block above the header, the data sheet
        # renamed and behind an instructions sheet.
        ("schema", "header_moved", 4, "births", "header_row"),
        ("schema", "sheet_changed", 6, "births", "sheet"),
    ]
    out = [Anomaly(usable[-1 - (i % len(usable))], *kind) for i, kind in enumerate(kinds)]
    out += [
        Anomaly(day, "indicator_pair", "pair_broken", 10, "bcg_births", "bcg_dose1/births")
        for day in days[-PAIR_NIGHTS:]
    ]
    return out


@dataclass(frozen=True)
class Moved:
    """A series a planted anomaly moves as a consequence: a finding there is explained by
    the plant (`cause`, its kind), neither false nor required."""

    run_date: date
    check: str
    cause: str
    province_index: int
    dataset: str  # a dataset, or an indicator pair's name
    metric: str  # `*`: any metric of the check


def moves(anomalies: list[Anomaly], days: list[date]) -> list[Moved]:
    """The series each planted anomaly moves besides its own (derived from the plausibility
    configuration): that night, the volume, value and distribution series of its source's
    dataset and of the datasets delivered with it in a claims package; for a plant that
    adds or takes away rows, the month-to-date totals of those datasets for the rest of the
    month, and, for any plant but a broken pair, the indicator pairs that count one of
    them, over the nights their window sums (`PAIR_WINDOW`). A schema change moves only
    the source's next delivery of the dataset, the next night: back to its usual layout,
    a change against the planted one."""
    config = load_config()
    out: list[Moved] = []
    for a in anomalies:
        if a.check == "schema":
            after = a.run_date + timedelta(days=1)
            if after in days:
                out.append(Moved(after, "schema", a.kind, a.province_index, a.dataset, "*"))
            continue
        datasets = CLAIMS_DATASETS if a.dataset in CLAIMS_DATASETS else (a.dataset,)
        if a.kind == "pair_broken":
            pair = config.pairs[a.dataset]
            datasets = (config.indicators[pair.numerator].dataset,)
        for ds in datasets:
            for check in ("volume", "value", "distribution"):
                if (check, ds) != (a.check, a.dataset):
                    out.append(Moved(a.run_date, check, a.kind, a.province_index, ds, "*"))
            if a.kind in ROW_COUNT_KINDS:
                out += [
                    Moved(day, "over_time", a.kind, a.province_index, ds, "*")
                    for day in days
                    if day >= a.run_date
                    and (day.year, day.month) == (a.run_date.year, a.run_date.month)
                ]
        if a.kind == "pair_broken":
            continue
        for pair in config.pairs.values():
            counted = {config.indicators[i].dataset for i in (pair.numerator, pair.denominator)}
            if counted & set(datasets):
                out += [
                    Moved(day, "indicator_pair", a.kind, a.province_index, pair.name, "*")
                    for day in days
                    if a.run_date <= day < a.run_date + timedelta(days=PAIR_WINDOW)
                ]
    return sorted(set(out), key=lambda m: (m.run_date, m.check, m.province_index, m.dataset))


def _province_outputs(outputs: list[Output], prov: str, dataset: str) -> list[Output]:
    return [
        o
        for o in outputs
        if o.expected_status == "loaded"
        and o.rel.split("/")[1] == f"p{prov}"
        and o.rel.split("/")[-1].startswith(dataset)
    ]


def _clean(o: Output) -> list[int]:
    planted = {i for i, _ in o.planted}
    return [i for i in range(len(o.rows)) if i not in planted]


def _keep(o: Output, keep: list[int]) -> None:
    """Keep only the rows at `keep` (in order), carrying the planted defects along."""
    new_index = {old: new for new, old in enumerate(keep)}
    # A streamed file's next part is numbered from the rows its generator handed over
    # (`population.provincial_outputs` counts the output's rows once it is written).
    o.rows[:] = [o.rows[i] for i in keep]
    o.planted = [(new_index[i], d) for i, d in o.planted if i in new_index]


def _copies(
    o: Output,
    rows: Sequence[int | dict],
    id_column: str,
    tag: str,
    values: dict[str, object] | None = None,
) -> None:
    """Append copies of `rows` (rows of `o` by index, or rows) with new ids
    (`<id><tag><n>`), and `values` set."""
    for n, i in enumerate(rows):
        row = dict(o.rows[i] if isinstance(i, int) else i) | (values or {})
        row[id_column] = f"{row[id_column]}{tag}{n}"
        o.rows.append(row)


ALIGNED = "history.align"  # `World.local`'s key for a province's vaccine counts so far
# Clean rows of a group kept to copy from (the first ones of the file): a province's rows are
# made and written in parts, so its whole file is not at hand when the last part is aligned.
COPY_SOURCES = 1_000
BIRTH_DOSES = (("BCG", 1), ("HEPB", 1))
DPT_DOSES = (("DPT_VGB_HIB", 2), ("DPT_VGB_HIB", 3))


def align_indicators(w: World, outputs: list[Output]) -> None:
    """Per province: as many clean BCG and HEPB dose-1 rows as births rows, DPT doses 2 and
    3 as many clean rows as dose 1 (a dropout well under 10 %). The night hands its files
    over one at a time (births before immunizations): a province's births rows are
    remembered in `w.facts["births_rows"]` for its immunizations (a new dict, not changed in
    place: the night passes the facts a province's births unit published to its later units).
    A file made in parts (`population.provincial_outputs`) is counted part by part (in
    `w.local`, the unit's own state) and completed on its last part, from its first clean
    rows of each group (`COPY_SOURCES`)."""
    for prov in w.provinces:
        births = _province_outputs(outputs, prov, "births")
        if births:
            births_rows = dict(w.facts.get("births_rows", {}))
            births_rows[prov] = births_rows.get(prov, 0) + sum(len(b.rows) for b in births)
            w.facts["births_rows"] = births_rows
        n_births = w.facts.get("births_rows", {}).get(prov, 0)
        for o in _province_outputs(outputs, prov, "immunizations"):
            vac, dose, rid = (
                c if c in o.header else immunizations.VI[c]
                for c in ("vaccine_code", "dose_number", "record_id")
            )
            if vac not in o.header:
                continue
            # Counted as the consistency rule counts (rows no error was planted in); copied
            # from rows with nothing planted.
            state = w.local.setdefault(ALIGNED, {}).setdefault(o.rel, ({}, {}, {}))
            counted, n_clean, sources = state
            errors = {i for i, d in o.planted if d.severity == "error"}
            planted = {i for i, _ in o.planted}
            for i, r in enumerate(o.rows):
                if i in errors:
                    continue
                key = (r[vac], r[dose])
                counted[key] = counted.get(key, 0) + 1
                if i not in planted:
                    n_clean[key] = n_clean.get(key, 0) + 1
                    if key in BIRTH_DOSES + DPT_DOSES:
                        kept = sources.setdefault(key, [])
                        if len(kept) < COPY_SOURCES:
                            kept.append(r)
            if not last_part(w):
                continue
            n_dpt1 = counted.get(("DPT_VGB_HIB", 1), 0)
            for key in DPT_DOSES:
                have = sources.get(key, [])
                need = n_dpt1 - counted.get(key, 0)
                if have and need > 0:
                    _copies(o, [have[k % len(have)] for k in range(need)], rid, "D")
            if n_births:
                # Both are birth doses: a province without a clean row of one tonight (a
                # small night whose only such row has a planted error) copies the other's
                # rows as that vaccine, or its "clean" history would hold a real shortfall.
                for vaccine, other in (("BCG", "HEPB"), ("HEPB", "BCG")):
                    own = n_clean.get((vaccine, 1), 0)
                    have = sources.get((vaccine, 1)) if own else sources.get((other, 1))
                    if have and own < n_births:
                        need = n_births - own
                        rows = [have[k % len(have)] for k in range(need)]
                        _copies(o, rows, rid, vaccine[0], {vac: vaccine})


def plant(w: World, outputs: list[Output], anomalies: list[Anomaly]) -> None:
    """Apply tonight's anomalies to the night's outputs."""
    for a in anomalies:
        if a.run_date != w.run_date or a.province_index >= len(w.provinces):
            continue
        prov = w.provinces[a.province_index]
        if a.kind == "pair_broken":
            for o in _province_outputs(outputs, prov, "immunizations"):
                vac = (
                    "vaccine_code"
                    if "vaccine_code" in o.header
                    else immunizations.VI["vaccine_code"]
                )
                bcg = {i for i in _clean(o) if o.rows[i][vac] == "BCG"}
                _keep(o, [i for i in range(len(o.rows)) if i not in bcg])
            continue
        for o in _province_outputs(outputs, prov, a.dataset):
            if a.kind == "volume_drop":
                _keep(o, list(range(max(1, len(o.rows) // 10))))
            elif a.kind == "volume_spike":
                clean = _clean(o)
                _copies(o, [clean[k % len(clean)] for k in range(3 * len(o.rows))], "visit_id", "S")
            elif a.kind == "value_shift":
                for i in _clean(o):
                    row = o.rows[i]
                    for col in ("total_cost", "insurance_paid", "patient_paid", "other_paid"):
                        if isinstance(row.get(col), (int, float)) and not isinstance(
                            row[col], bool
                        ):
                            row[col] = row[col] * VALUE_SHIFT
            elif a.kind == "distribution_shift":
                for i in _clean(o):
                    o.rows[i]["visit_type"] = "03"
            elif a.kind == "column_added":
                o.header = [*o.header, "ghi_chu"]
                for row in o.rows:
                    row["ghi_chu"] = "không"


def as_workbooks(w: World, outputs: list[Output], anomalies: list[Anomaly]) -> None:
    """Write the `WORKBOOKS` deliveries as XLSX: the rows as the CSV would hold them, on
    sheet `DATA_SHEET` with the header on row 1; under tonight's header_moved plant a title
    block above the header, under sheet_changed the data sheet renamed and put behind an
    instructions sheet. Row numbers (the truth's) count data rows, as the readers do. A
    file made in parts is held (its rows, in `w.local`) until its last part, which carries
    the whole workbook: a history holds these few provinces' births whole."""
    tonight = {(a.province_index, a.dataset, a.kind) for a in anomalies if a.run_date == w.run_date}
    for index, dataset in WORKBOOKS.items():
        if index >= len(w.provinces):
            continue
        for o in _province_outputs(outputs, w.provinces[index], dataset):
            if o.data is not None or not o.rel.endswith(".csv"):
                continue
            o.rel = o.rel.removesuffix(".csv") + ".xlsx"
            if not o.continues and last_part(w):  # a file made whole
                held = o.rows
            else:  # made in parts: their rows are held until the last writes the workbook
                held = w.local.setdefault(WORKBOOK_ROWS, [])
                held.extend(o.rows)
                if not last_part(w):
                    o.data = b""  # an empty file, until the last part writes it whole
                    continue
            o.data = workbook(
                replace(o, rows=held),
                title=(index, dataset, "header_moved") in tonight,
                moved=(index, dataset, "sheet_changed") in tonight,
            )


WORKBOOK_ROWS = "history.workbook_rows"  # `World.local`'s key: a workbook's parts so far
FIXED_TIME = datetime(2025, 7, 1)  # a workbook's creation time: not the clock's


def workbook(o: Output, *, title: bool = False, moved: bool = False) -> bytes:
    """`o`'s header and rows (as text, formatted as its CSV would be) as an XLSX file."""
    import openpyxl  # only the generator writes workbooks
    from openpyxl.xml.constants import ARC_CORE as CORE
    from openpyxl.xml.functions import tostring

    book = openpyxl.Workbook(write_only=True)
    if moved:
        name, lines = INSTRUCTIONS
        sheet = book.create_sheet(name)
        for line in lines:
            sheet.append([line])
    sheet = book.create_sheet(MOVED_SHEET if moved else DATA_SHEET)
    if title:
        for line in TITLE_BLOCK:
            sheet.append([line])
    sheet.append(list(o.header))
    write = row_writer(o)
    for row in o.rows:
        sheet.append(write(row))
    buffer = io.BytesIO()
    book.save(buffer)
    # The same bytes for a seed: openpyxl stamps the document's properties (on save) and each
    # zip member with the time of writing; the copy puts a fixed time in both.
    book.properties.created = book.properties.modified = FIXED_TIME
    core = tostring(book.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as made, zipfile.ZipFile(out, "w") as fixed:
        for info in made.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            member.compress_type = info.compress_type
            fixed.writestr(member, core if info.filename == CORE else made.read(info))
    return out.getvalue()


def generate_nights(
    out: Path, spec: NightSpec, nights: int, ref: Reference, jobs: int = 1
) -> tuple[list[dict[str, int]], list[Anomaly]]:
    """Write `nights` consecutive nights ending at `spec.run_date` into `out`, and the
    planted anomalies' truth to `out/_truth/anomalies.csv`. Each night's size follows the
    weekday rhythm with noise; its seed is the spec's plus its position. `jobs`: the
    processes each night's provincial files are made in (`night.generate`)."""
    days = [spec.run_date - timedelta(days=nights - 1 - i) for i in range(nights)]
    rng = random.Random(spec.seed)
    anomalies = plan(days)
    counts = []
    for i, day in enumerate(days):
        size = RHYTHM[day.weekday()] * (1 + rng.gauss(0, NOISE))
        night = replace(spec, run_date=day, seed=spec.seed + i, scale=spec.scale * size)

        def adjust(w: World, outputs: list[Output]) -> None:
            align_indicators(w, outputs)
            plant(w, outputs, anomalies)
            as_workbooks(w, outputs, anomalies)

        counts.append(generate(out, night, ref, adjust=adjust, jobs=jobs))
    write_truth(out, anomalies, days, ref)
    return counts, anomalies


def write_truth(out: Path, anomalies: list[Anomaly], days: list[date], ref: Reference) -> None:
    provinces = list(ref.provinces)
    truth = out / "_truth"
    truth.mkdir(parents=True, exist_ok=True)
    with (truth / "anomalies.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["run_date", "check", "kind", "source", "province_code", "dataset", "metric", "role"]
        )
        rows: list[tuple[Anomaly | Moved, str, str]] = [(a, a.kind, "planted") for a in anomalies]
        rows += [(m, m.cause, "moved") for m in moves(anomalies, days)]
        for a, kind, role in rows:
            prov = provinces[a.province_index]
            writer.writerow(
                [
                    a.run_date.isoformat(),
                    a.check,
                    kind,
                    f"p{prov}",
                    prov,
                    a.dataset,
                    a.metric,
                    role,
                ]
            )
