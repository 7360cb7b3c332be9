"""Claims packages (QĐ 130/QĐ-BYT as amended by QĐ 4750 and QĐ 3176): the `<GIAMDINHHS>`
envelope holds one `<HOSO>` per treatment episode, each with `<FILEHOSO>` entries whose
`<NOIDUNGFILE>` is a base64-encoded table named by `<LOAIHOSO>`. One package delivers three
datasets; the reader is asked for one (`ReadOptions.dataset`) and reads its table:

- XML1 (`TONG_HOP`) → `visits`; when the package carries line tables, each visit also gets
  the sums of its episode's delivered lines (`lines_drug_amount`, `lines_supply_amount`,
  `lines_amount`), so that the totals reconciliation is a rule over the visit row;
- XML2 (`CHI_TIET_THUOC`) → `visit_drugs`, XML3 (`CHI_TIET_DVKT`) → `visit_services`; each
  line gets its episode's facility (`MA_CSKCB` of its XML1 row, else the envelope's
  `MACSKCB`) and `has_visit` (does its HOSO hold the XML1 row of its MA_LK).

Rows are read by their tags, whatever the wrapper elements are named; `updated_at` is the
envelope's `NGAYLAP` when the table has no stamp of its own. Tables XML4..XML15 are counted
(a note on the file), as are a `SOLUONGHOSO` that differs from the number of HOSO and the
tag set (130 or 3176, told apart by XML13's `MA_NOI_DI` / `MA_CSKCB_DI`).

Streamed with iterparse through defusedxml (entity declarations and external references
refused); every HOSO is removed from the tree once read, so memory stays flat whatever the
package's size. Each decoded table is parsed with every DOCTYPE refused (hence
entity declarations and external references too), after its size has been checked against
`ReadOptions.max_table_bytes`.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser

import defusedxml
import defusedxml.ElementTree as SafeET
import pandas as pd

from transforms.ingest.readers.base import FileRejected, ReadOptions, frames
from transforms.ingest.readers.sniff import require
from transforms.messages import Reason
from transforms.text import fold

log = logging.getLogger(__name__)

ENVELOPE = "GIAMDINHHS"
STAMP = "NGAYLAP"  # the envelope's creation date, yyyymmdd
FACILITY = "MACSKCB"  # the sending unit (THONGTINDONVI)
DECLARED = "SOLUONGHOSO"  # how many HOSO the envelope says it holds
UPDATED_AT = "updated_at"
# Tags that already say when the record changed; if present, NGAYLAP is not added.
_UPDATED_KEYS = frozenset({"updated_at", "ngay_cap_nhat"})


@dataclass(frozen=True)
class Table:
    """The claims table a dataset is read from."""

    kind: str  # LOAIHOSO
    row: str  # the row element's tag


SUMMARY = Table("XML1", "TONG_HOP")
DRUGS = Table("XML2", "CHI_TIET_THUOC")
SERVICES = Table("XML3", "CHI_TIET_DVKT")
TABLES = {"visits": SUMMARY, "visit_drugs": DRUGS, "visit_services": SERVICES}
LINE_TABLES = (DRUGS.kind, SERVICES.kind)
SUPPLY_GROUPS = frozenset({"10", "11"})  # MA_NHOM of supplies (T_VTYT)
# Columns the reader adds (canonical names of the datasets).
LINE_SUMS = ("lines_drug_amount", "lines_supply_amount", "lines_amount")
HAS_VISIT = "has_visit"
EPISODE_FACILITY = "MA_CSKCB"
# QĐ 3176 renames XML13's MA_NOI_DI / MA_NOI_DEN.
TAGS_3176 = frozenset({"MA_CSKCB_DI", "MA_CSKCB_DEN"})
TAGS_130 = frozenset({"MA_NOI_DI", "MA_NOI_DEN"})


@dataclass
class _Package:
    """What the first pass learns about the whole package."""

    stamp: str | None = None
    facility: str | None = None
    declared: str | None = None
    episodes: int = 0
    tables: Counter[str] = field(default_factory=Counter)
    tags: dict[str, None] = field(default_factory=dict)  # the wanted table's tags, in order
    rows: int = 0
    tag_set: str | None = None


def read_claims_batches(path: Path, head: bytes, opts: ReadOptions) -> Iterator[pd.DataFrame]:
    """Batches of the rows of the table `opts.dataset` is read from (XML1 for `visits` and
    for any other dataset), with the columns the reader adds (see the module)."""
    require(head, "xml", "xml")
    table = TABLES.get(opts.dataset, SUMMARY)
    pkg = _survey(path, table, opts.max_table_bytes)
    if table is SUMMARY and pkg.rows == 0:
        raise FileRejected(
            Reason.not_claims("không có HOSO nào chứa bảng XML1", "no HOSO holds an XML1 table")
        )
    if table is SUMMARY:  # the package's notes go once, on the visits' entry
        opts.notes.extend(_notes(pkg))
    columns = list(pkg.tags)
    add_stamp = not any(fold(t) in _UPDATED_KEYS for t in columns)
    extra = [UPDATED_AT] if add_stamp else []
    with_sums = table is SUMMARY and any(pkg.tables[k] for k in LINE_TABLES)
    if with_sums:
        extra += LINE_SUMS
    elif table is not SUMMARY:
        if EPISODE_FACILITY not in pkg.tags:
            extra.append(EPISODE_FACILITY)
        extra.append(HAS_VISIT)
    if pkg.rows == 0:  # a package without lines of this table: nothing to load, not an error
        empty = pd.DataFrame(columns=columns + extra, dtype="str")
        empty.attrs["empty_ok"] = True
        yield empty
        return
    rows = (
        [rec.get(t) for t in columns] + _extra(rec, extra, pkg.stamp)
        for rec in _rows(path, table, pkg, with_sums, opts.max_table_bytes)
    )
    yield from frames(columns + extra, rows, opts.batch_rows)


def _extra(rec: dict[str, str | None], extra: list[str], stamp: str | None) -> list[str | None]:
    return [stamp if name == UPDATED_AT else rec.get(name) for name in extra]


def _survey(path: Path, table: Table, limit: int) -> _Package:
    """First pass: the envelope's facts, the tables per kind and the wanted table's tags."""
    pkg = _Package()
    for item in _walk(path, pkg):
        for n, kind, content in item:
            pkg.tables[kind] += 1
            if kind == table.kind:
                for row in _table_rows(content, table, n, limit):
                    pkg.tags.update(dict.fromkeys(row))
                    pkg.rows += 1
            elif kind == "XML13" and pkg.tag_set is None:
                tags = {t for row in _table_rows(content, None, n, limit) for t in row}
                pkg.tag_set = "3176" if tags & TAGS_3176 else "130" if tags & TAGS_130 else None
    return pkg


def _rows(
    path: Path, table: Table, pkg: _Package, with_sums: bool, limit: int
) -> Iterator[dict[str, str | None]]:
    """Second pass: the wanted table's rows, episode by episode, with what the reader adds."""
    for episode in _walk(path, _Package()):
        if table is SUMMARY:
            sums = _line_sums(episode, limit) if with_sums else {}
            for n, kind, content in episode:
                if kind == SUMMARY.kind:
                    for row in _table_rows(content, SUMMARY, n, limit):
                        yield {**row, **sums.get(row.get("MA_LK"), _ZERO)} if with_sums else row
            continue
        visits: dict[str | None, str | None] = {}
        for n, kind, content in episode:
            if kind == SUMMARY.kind:
                for row in _table_rows(content, SUMMARY, n, limit):
                    visits[row.get("MA_LK")] = row.get(EPISODE_FACILITY)
        for n, kind, content in episode:
            if kind == table.kind:
                for row in _table_rows(content, table, n, limit):
                    parent = row.get("MA_LK")
                    has = parent in visits
                    if not row.get(EPISODE_FACILITY):
                        row[EPISODE_FACILITY] = visits.get(parent) or pkg.facility
                    row[HAS_VISIT] = "true" if has else "false"
                    yield row


_ZERO = dict.fromkeys(LINE_SUMS, "0")


def _line_sums(
    episode: list[tuple[int, str, Element]], limit: int
) -> dict[str | None, dict[str, str | None]]:
    """Per MA_LK of the episode: Σ amount of its drug lines, of its supply lines (groups 10,
    11) and of all its lines, as delivered (a line whose amount cannot be read adds nothing:
    it fails its own format rule)."""
    drug: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    supply: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    total: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    for n, kind, content in episode:
        if kind not in LINE_TABLES:
            continue
        table = DRUGS if kind == DRUGS.kind else SERVICES
        for row in _table_rows(content, table, n, limit):
            amount = _amount(row.get("THANH_TIEN_BV"))
            if amount is None:
                continue
            lk = row.get("MA_LK")
            total[lk] += amount
            if table is DRUGS:
                drug[lk] += amount
            elif (row.get("MA_NHOM") or "").lstrip("0") in SUPPLY_GROUPS:
                supply[lk] += amount
    return {
        lk: {
            "lines_drug_amount": _text(drug.get(lk, Decimal(0))),
            "lines_supply_amount": _text(supply.get(lk, Decimal(0))),
            "lines_amount": _text(total[lk]),
        }
        for lk in total
    }


def _amount(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _walk(path: Path, pkg: _Package) -> Iterator[list[tuple[int, str, Element]]]:
    """Every episode in file order, as its FILEHOSO entries (number in the file, LOAIHOSO,
    NOIDUNGFILE element); fills in the envelope's facts on `pkg`. A FILEHOSO outside any
    HOSO is an episode of its own. Each HOSO is removed from the tree once used."""
    try:
        with path.open("rb") as fh:
            yield from _walk_open(fh, pkg)
    except ParseError as exc:
        raise FileRejected(Reason.corrupt("xml", *_where(exc))) from exc
    except defusedxml.DefusedXmlException as exc:
        raise FileRejected(Reason.unsafe_xml()) from exc


def _walk_open(fh, pkg: _Package) -> Iterator[list[tuple[int, str, Element]]]:
    stack: list[Element] = []
    episode: list[tuple[int, str, Element]] = []
    in_hoso = 0
    n = 0
    for event, elem in SafeET.iterparse(fh, events=("start", "end")):
        tag = _local(elem.tag)
        if event == "start":
            if not stack and tag != ENVELOPE:
                raise FileRejected(
                    Reason.not_claims(
                        f"thẻ gốc là <{tag}>, không phải <{ENVELOPE}>",
                        f"the root element is <{tag}>, not <{ENVELOPE}>",
                    )
                )
            stack.append(elem)
            in_hoso += tag == "HOSO"
            continue
        stack.pop()
        if tag == STAMP and pkg.stamp is None:
            pkg.stamp = _strip(elem.text)
        elif tag == FACILITY and pkg.facility is None:
            pkg.facility = _strip(elem.text)
        elif tag == DECLARED and pkg.declared is None:
            pkg.declared = _strip(elem.text)
        elif tag == "FILEHOSO":
            n += 1
            content = next((c for c in elem if _local(c.tag) == "NOIDUNGFILE"), None)
            if content is None:
                raise FileRejected(
                    Reason.not_claims(
                        f"FILEHOSO thứ {n} không có NOIDUNGFILE",
                        f"FILEHOSO number {n} has no NOIDUNGFILE",
                    )
                )
            episode.append((n, (_child_text(elem, "LOAIHOSO") or "").upper(), content))
            if not in_hoso:
                pkg.episodes += 1
                yield episode
                episode = []
                _drop(elem, stack)
        elif tag == "HOSO":
            in_hoso -= 1
            pkg.episodes += 1
            yield episode
            episode = []
            _drop(elem, stack)


def _drop(elem: Element, stack: list[Element]) -> None:
    """Forget an element once read: cleared, and removed from its parent so that the tree
    does not keep one empty element per episode."""
    elem.clear()
    if stack and elem in list(stack[-1]):
        stack[-1].remove(elem)


def _table_rows(
    content: Element, table: Table | None, n: int, limit: int
) -> list[dict[str, str | None]]:
    """The rows of one table (base64 text, or leniently inline XML): {tag: text} for every
    `table.row` element (with `table` None: for every element that has children)."""
    if len(content):
        root = content[0]
    else:
        root = _decode(content.text or "", table.kind if table else "XML13", n, limit)
    if table is None:
        found = [e for e in root.iter() if len(e) and not any(len(c) for c in e)]
    elif _local(root.tag) == table.row:
        found = [root]
    else:
        found = [e for e in root.iter() if _local(e.tag) == table.row]
    return [{_local(c.tag): _strip(c.text) for c in row} for row in found]


def _decode(text: str, kind: str, n: int, limit: int) -> Element:
    """One NOIDUNGFILE's table: base64 decoded (at most `limit` bytes) and parsed with
    DOCTYPE, entity declarations and external references refused."""
    data = "".join(text.split())
    if len(data) // 4 * 3 > limit:
        raise FileRejected(Reason.table_too_large(kind, n, len(data) // 4 * 3, limit))
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FileRejected(
            Reason.not_claims(
                f"NOIDUNGFILE của FILEHOSO thứ {n} ({kind}) không phải base64 hợp lệ",
                f"the NOIDUNGFILE of FILEHOSO number {n} ({kind}) is not valid base64",
            )
        ) from exc
    parser = XMLParser(target=_NoDoctype())
    try:
        parser.feed(raw)
        return parser.close()
    except _DoctypeFound as exc:
        raise FileRejected(
            Reason.unsafe_xml(
                f"bảng {kind} của FILEHOSO thứ {n}", f"the {kind} table of FILEHOSO {n}"
            )
        ) from exc
    except ParseError as exc:
        vi, en = _where(exc)
        raise FileRejected(
            Reason.corrupt(
                "xml",
                f"bảng {kind} của FILEHOSO thứ {n}, {vi}",
                f"the {kind} table of FILEHOSO number {n}, {en}",
            )
        ) from exc


class _DoctypeFound(Exception):
    pass


class _NoDoctype(TreeBuilder):
    """The C tree builder, refusing any DOCTYPE: entity declarations and external references
    can only come inside one, so none is ever expanded or fetched. (defusedxml's parser does
    the same through Python callbacks, about four times slower: it still guards the outer
    envelope.)"""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _DoctypeFound(name)


def _notes(pkg: _Package) -> list[str]:
    """What a reader of `meta.files` should know about the package as a whole."""
    notes = []
    others = sorted(
        (k for k in pkg.tables if k not in (SUMMARY.kind, *LINE_TABLES)), key=_table_order
    )
    if others:
        counted = ", ".join(f"{k} × {pkg.tables[k]}" for k in others)
        notes.append(
            f"bảng không nạp (chỉ đếm): {counted} | tables not loaded (counted only): {counted}"
        )
    if pkg.declared is not None and pkg.declared != str(pkg.episodes):
        notes.append(
            f"SOLUONGHOSO = {pkg.declared} nhưng tệp có {pkg.episodes} HOSO | SOLUONGHOSO "
            f"says {pkg.declared} but the file holds {pkg.episodes} HOSO"
        )
    if pkg.tag_set:
        notes.append(f"bộ thẻ QĐ {pkg.tag_set} | tag set of QĐ {pkg.tag_set}")
    else:
        notes.append(
            "bộ thẻ QĐ 130/3176 (không có XML13 để phân biệt) | tag set QĐ 130/3176 "
            "(no XML13 to tell them apart)"
        )
    return notes


def _table_order(kind: str) -> tuple[int, str]:
    digits = kind.removeprefix("XML")
    return (int(digits), kind) if digits.isdigit() else (10**6, kind)


def _child_text(elem: Element, name: str) -> str | None:
    child = next((c for c in elem if _local(c.tag) == name), None)
    return _strip(child.text) if child is not None else None


def _strip(text: str | None) -> str | None:
    text = text.strip() if text else None
    return text or None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag


def _where(exc: ParseError) -> tuple[str, str]:
    line, column = getattr(exc, "position", (0, 0))
    return f"lỗi ở dòng {line}, cột {column}", f"error at line {line}, column {column}"
