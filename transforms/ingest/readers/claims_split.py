"""One pass over a claims package (see `transforms.ingest.readers.claims`): its envelope, the
base64 tables, the rows of XML1, XML2 and XML3 with what the reader adds to them (each
visit's line sums, each line's facility and visit), spooled to disk in compressed chunks.

This is the part of reading a package that runs in the split workers
(`transforms.ingest.presplit`), so it imports neither pandas nor the dataset registry:
a worker is a fresh interpreter that holds this module, the XML parsers and one chunk of
rows (~20 MiB), not the night's libraries (~110 MiB).

Streamed with iterparse through defusedxml (entity declarations and external references
refused); every HOSO is removed from the tree once read, so memory stays flat whatever the
package's size. Each decoded table is parsed with every DOCTYPE refused (hence entity
declarations and external references too), after its size has been checked against the
largest decoded table allowed.
"""

from __future__ import annotations

import base64
import binascii
import marshal
import os
import re
import shutil
import stat
import tempfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser

import defusedxml
import defusedxml.ElementTree as SafeET

from transforms.ingest.readers.errors import FileRejected
from transforms.messages import Reason

ENVELOPE = "GIAMDINHHS"
STAMP = "NGAYLAP"  # the envelope's creation date, yyyymmdd
FACILITY = "MACSKCB"  # the sending unit (THONGTINDONVI)
DECLARED = "SOLUONGHOSO"  # how many HOSO the envelope says it holds


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
class Package:
    """What reading the whole package learns: the envelope's facts and the tables per kind."""

    stamp: str | None = None
    facility: str | None = None
    declared: str | None = None
    episodes: int = 0
    tables: Counter[str] = field(default_factory=Counter)
    tag_set: str | None = None


# The datasets of a package, the table each is read from, and which tables each needs
# decoded: first while learning the package (its own table and XML13, whose failure comes
# first), then while reading its rows (the visits' line sums, the lines' visits).
SUMMARY_DATASET = "visits"
LINE_DATASETS = {"visit_drugs": DRUGS, "visit_services": SERVICES}
KIND_OF = {SUMMARY_DATASET: SUMMARY.kind, **{d: t.kind for d, t in LINE_DATASETS.items()}}
DATASET_OF = {kind: ds for ds, kind in KIND_OF.items()}
TABLE_OF = {t.kind: t for t in (SUMMARY, DRUGS, SERVICES)}
FIRST_NEEDS = {ds: frozenset({kind, "XML13"}) for ds, kind in KIND_OF.items()}
THEN_NEEDS = {
    SUMMARY_DATASET: frozenset({SUMMARY.kind, *LINE_TABLES}),
    "visit_drugs": frozenset({SUMMARY.kind, DRUGS.kind}),
    "visit_services": frozenset({SUMMARY.kind, SERVICES.kind}),
}
_CHUNK = 1000  # rows per spooled chunk


class Spool:
    """The rows of one table, spooled to a file in compressed chunks of (layout, values,
    what the reader adds); a layout is the row's tags in order, most rows share one."""

    def __init__(self, path: Path):
        self.path = path
        self.tags: dict[str, None] = {}  # every tag of the table's rows, in order
        self.layouts: list[tuple[str, ...]] = []
        self._layout_ids: dict[tuple[str, ...], int] = {}
        self.rows = 0
        self.bytes = 0  # written to the spool file
        self._chunk: list[tuple] = []
        self._fh: BinaryIO | None = path.open("wb")

    def add(self, rec: dict[str, str | None], *added: object) -> None:
        layout = tuple(rec)
        layout_id = self._layout_ids.get(layout)
        if layout_id is None:
            layout_id = self._layout_ids[layout] = len(self.layouts)
            self.layouts.append(layout)
            self.tags.update(dict.fromkeys(layout))
        self._chunk.append((layout_id, tuple(rec.values()), *added))
        self.rows += 1
        if len(self._chunk) >= _CHUNK:
            self._flush()

    def close(self) -> None:
        if self._fh is not None:
            self._flush()
            self._fh.close()
            self._fh = None

    @staticmethod
    def read(fh: BinaryIO) -> Iterator[tuple]:
        """The spooled rows, from the spool file open in `fh`."""
        while size := fh.read(8):
            yield from marshal.loads(zlib.decompress(fh.read(int.from_bytes(size, "little"))))

    def _flush(self) -> None:
        if self._chunk and self._fh is not None:
            data = zlib.compress(marshal.dumps(self._chunk), 1)
            self._fh.write(len(data).to_bytes(8, "little"))
            self._fh.write(data)
            self.bytes += 8 + len(data)
            self._chunk = []


@dataclass
class Split:
    """A package read once, its three tables spooled in `folder`; what each dataset's read
    will find: its rows, or the reason its file is rejected (the first failure among the
    tables it needs first, else among those it needs then, as two readings of the package
    would meet them)."""

    folder: Path
    pkg: Package = field(default_factory=Package)
    tables: dict[str, Spool] = field(default_factory=dict)
    first_failure: dict[str, Reason] = field(default_factory=dict)
    then_failure: dict[str, Reason] = field(default_factory=dict)
    read_by: set[str] = field(default_factory=set)
    key: tuple | None = None  # the file read, when made ahead (see `_spooled`'s key)

    def rejection(self, dataset: str) -> Reason | None:
        if dataset in self.first_failure:
            return self.first_failure[dataset]
        if dataset == SUMMARY_DATASET and self.tables[dataset].rows == 0:
            return Reason.not_claims(
                "không có HOSO nào chứa bảng XML1", "no HOSO holds an XML1 table"
            )
        return self.then_failure.get(dataset)

    def failed(self, kind: str | None, reason: Reason) -> None:
        """A table of `kind` (None: the envelope) could not be read."""
        for ds in KIND_OF:
            if kind is None or kind in FIRST_NEEDS[ds]:
                self.first_failure.setdefault(ds, reason)
            elif kind in THEN_NEEDS[ds]:
                self.then_failure.setdefault(ds, reason)

    @property
    def bytes(self) -> int:
        return sum(t.bytes for t in self.tables.values())

    def alive(self, dataset: str) -> bool:
        return dataset not in self.first_failure and dataset not in self.then_failure


def split_package(path: str, root: str, limit: int) -> Split:
    """The package at `path` read once, as the first of its reads would read it, its spools
    in a new folder under `root` (private to the night's user: raw rows); for a worker
    process. The split carries the identity of the file it read (`key`), so that a reader
    takes it only for that file. Anything but a regular file raises OSError, unread."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    fh = os.fdopen(fd, "rb")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"not a regular file: {path}")
    except BaseException:
        fh.close()
        raise
    key = (str(Path(path).resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, limit)
    folder = Path(tempfile.mkdtemp(prefix="package-", dir=root))
    try:
        split = split_file(Path(path), folder, limit, fh)
    except BaseException:
        fh.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    split.key = key
    return split


def split_file(path: Path, folder: Path, limit: int, fh: BinaryIO | None = None) -> Split:
    """Read the package once (from `fh` when given, which is closed after): its envelope's
    facts, the tables per kind, the tag set, and the rows of XML1, XML2 and XML3 (with the
    line sums of each visit and the visit of each line) spooled in `folder`."""
    split = Split(folder)
    split.tables = {ds: Spool(folder / f"{ds}.spool") for ds in KIND_OF}
    pkg = split.pkg
    visits, drugs, services = (split.tables[ds] for ds in KIND_OF)
    try:
        for episode in _walk(path, pkg, fh):
            decoded: list[tuple[str, list[dict[str, str | None]]]] = []
            for n, kind, content in episode:
                pkg.tables[kind] += 1
                if kind in TABLE_OF:
                    try:
                        decoded.append((kind, _table_rows(content, TABLE_OF[kind], n, limit)))
                    except FileRejected as exc:
                        split.failed(kind, exc.reason)
                elif kind == "XML13" and pkg.tag_set is None:
                    try:
                        tags = {t for row in _table_rows(content, None, n, limit) for t in row}
                    except FileRejected as exc:
                        split.failed(kind, exc.reason)
                        continue
                    pkg.tag_set = "3176" if tags & TAGS_3176 else "130" if tags & TAGS_130 else None
            _episode(split, decoded, visits, drugs, services)
    except FileRejected as exc:
        split.failed(None, exc.reason)
    finally:
        for spool in split.tables.values():
            spool.close()
    return split


def _episode(
    split: Split,
    decoded: list[tuple[str, list[dict[str, str | None]]]],
    visits: Spool,
    drugs: Spool,
    services: Spool,
) -> None:
    """Spool one episode's rows: each visit with the sums of its episode's lines, each line
    with its visit's facility and whether its HOSO holds its visit."""
    facility: dict[str | None, str | None] = {}
    for kind, rows in decoded:
        if kind == SUMMARY.kind:
            for row in rows:
                facility[row.get("MA_LK")] = row.get(EPISODE_FACILITY)
    sums = _line_sums(decoded)
    keep = {ds: split.alive(ds) for ds in KIND_OF}
    for kind, rows in decoded:
        if kind == SUMMARY.kind:
            if keep[SUMMARY_DATASET]:
                for row in rows:
                    visits.add(row, *sums.get(row.get("MA_LK"), _ZERO))
            else:
                visits.rows += len(rows)  # counted: "no HOSO holds XML1" comes before
            continue
        ds = DATASET_OF[kind]
        if not keep[ds]:
            continue
        spool = drugs if kind == DRUGS.kind else services
        for row in rows:
            lk = row.get("MA_LK")
            spool.add(row, facility.get(lk), lk in facility)


_ZERO = ("0", "0", "0")


def _line_sums(
    decoded: list[tuple[str, list[dict[str, str | None]]]],
) -> dict[str | None, tuple[str, str, str]]:
    """Per MA_LK of the episode: Σ amount of its drug lines, of its supply lines (groups 10,
    11) and of all its lines, as delivered (a line whose amount cannot be read adds nothing:
    it fails its own format rule)."""
    drug: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    supply: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    total: defaultdict[str | None, Decimal] = defaultdict(Decimal)
    for kind, rows in decoded:
        if kind not in LINE_TABLES:
            continue
        for row in rows:
            amount = line_amount(row.get("THANH_TIEN_BV"))
            if amount is None:
                continue
            lk = row.get("MA_LK")
            total[lk] += amount
            if kind == DRUGS.kind:
                drug[lk] += amount
            elif (row.get("MA_NHOM") or "").lstrip("0") in SUPPLY_GROUPS:
                supply[lk] += amount
    return {
        lk: (
            _text(drug.get(lk, Decimal(0))),
            _text(supply.get(lk, Decimal(0))),
            _text(total[lk]),
        )
        for lk in total
    }


def line_amount(text: str | None) -> Decimal | None:
    """A line's amount as the line sums add it: None (nothing added) when it is empty, not
    a number, or not finite."""
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _walk(
    path: Path, pkg: Package, opened: BinaryIO | None = None
) -> Iterator[list[tuple[int, str, Element]]]:
    """Every episode in file order, as its FILEHOSO entries (number in the file, LOAIHOSO,
    NOIDUNGFILE element), read from `opened` if given, else from `path`; fills in the
    envelope's facts on `pkg`. A FILEHOSO outside any HOSO is an episode of its own. Each
    HOSO is removed from the tree once used."""
    try:
        with opened if opened is not None else path.open("rb") as fh:
            yield from _walk_open(fh, pkg)
    except ParseError as exc:
        raise FileRejected(Reason.corrupt("xml", *_where(exc))) from exc
    except defusedxml.DefusedXmlException as exc:
        raise FileRejected(Reason.unsafe_xml()) from exc


def _walk_open(fh, pkg: Package) -> Iterator[list[tuple[int, str, Element]]]:
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
        root, plain = content[0], False
    else:
        root, plain = _decode(content.text or "", table.kind if table else "XML13", n, limit)
    if table is None:
        found = [e for e in root.iter() if len(e) and not any(len(c) for c in e)]
    elif _local(root.tag) == table.row:
        found = [root]
    elif plain:  # no namespace: every tag is its local name
        found = list(root.iter(table.row))
    else:
        found = [e for e in root.iter() if _local(e.tag) == table.row]
    if plain:
        return [
            {c.tag: (text.strip() or None) if (text := c.text) else None for c in row}
            for row in found
        ]
    return [{_local(c.tag): _strip(c.text) for c in row} for row in found]


# A decoded table in an encoding where `<!DOCTYPE` would not be these bytes (UTF-16 or
# UTF-32, by their byte order mark or their zero bytes, or any declared encoding but these)
# is parsed by the slower parser that refuses a DOCTYPE however it is spelt.
_BOMS = (b"\xfe\xff", b"\xff\xfe", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")
_DECLARED = re.compile(rb"\A\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_PLAIN_ENCODINGS = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1", b"latin-1"})


def _decode(text: str, kind: str, n: int, limit: int) -> tuple[Element, bool]:
    """One NOIDUNGFILE's table: base64 decoded (at most `limit` bytes) and parsed with
    DOCTYPE, entity declarations and external references refused; and whether its tags
    are free of namespaces."""
    parts = text.split()
    data = parts[0] if len(parts) == 1 else "".join(parts)
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
    # Entity declarations and external references can only come in a DOCTYPE. In UTF-8 (or
    # an encoding that keeps ASCII's bytes) a table without the bytes `<!DOCTYPE` has none,
    # and the C tree builder reads it alone, about a fifth faster.
    if _plain_bytes(raw) and raw.find(b"<!DOCTYPE") < 0:
        parser = XMLParser()
    else:
        parser = XMLParser(target=_NoDoctype())
    try:
        parser.feed(raw)
        return parser.close(), raw.find(b"xmlns") < 0
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


def _plain_bytes(raw: bytes) -> bool:
    """Is the table in UTF-8 or an encoding whose markup is ASCII's bytes?"""
    if raw.startswith(_BOMS) or b"\x00" in raw[:4]:
        return False
    declared = _DECLARED.match(raw[:200])
    return declared is None or declared.group(1).lower() in _PLAIN_ENCODINGS


class _DoctypeFound(Exception):
    pass


class _NoDoctype(TreeBuilder):
    """The C tree builder, refusing any DOCTYPE: entity declarations and external references
    can only come inside one, so none is ever expanded or fetched. (defusedxml's parser does
    the same through Python callbacks, about four times slower: it still guards the outer
    envelope.)"""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _DoctypeFound(name)


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
