"""Claims XML (QĐ 130/QĐ-BYT as amended by QĐ 4750/QĐ-BYT): the `<GIAMDINHHS>` envelope
holds one `<HOSO>` per treatment episode, each with `<FILEHOSO>` entries whose
`<NOIDUNGFILE>` is a base64-encoded table named by `<LOAIHOSO>`. Only XML1 (`<TONG_HOP>`,
the visit summary) is read: it delivers `visits`, one row per TONG_HOP, columns named by
its tags (MA_LK, MA_CSKCB, SO_CCCD...).

Streamed with iterparse (each FILEHOSO is dropped once read) through defusedxml, which
refuses entity declarations (billion laughs) and external references.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
import pandas as pd

from transforms.ingest.readers.base import FileRejected, ReadOptions, frames
from transforms.ingest.readers.sniff import require
from transforms.messages import Reason
from transforms.text import fold

log = logging.getLogger(__name__)

ENVELOPE = "GIAMDINHHS"
SUMMARY_TABLE = "XML1"
SUMMARY_ROW = "TONG_HOP"
STAMP = "NGAYLAP"  # the envelope's creation date, yyyymmdd
UPDATED_AT = "updated_at"
# Tags that already say when the record changed; if present, NGAYLAP is not added.
_UPDATED_KEYS = frozenset({"updated_at", "ngay_cap_nhat"})


def read_claims_batches(path: Path, head: bytes, opts: ReadOptions) -> Iterator[pd.DataFrame]:
    """Batches of XML1 rows, plus `updated_at` = NGAYLAP when the table has no stamp."""
    require(head, "xml", "xml")
    stamp: str | None = None
    tags: dict[str, None] = {}
    count = 0
    for _, item in _walk(path):  # first pass: every tag, and the stamp wherever it is
        if isinstance(item, str):  # the STAMP's text
            stamp = stamp or item
        else:
            tags.update(dict.fromkeys(item))
            count += 1
    if count == 0:
        raise FileRejected(
            Reason.not_claims("không có HOSO nào chứa bảng XML1", "no HOSO holds an XML1 table")
        )
    columns = list(tags)
    add_stamp = not any(fold(t) in _UPDATED_KEYS for t in columns)
    if add_stamp:
        log.debug("%s: updated_at taken from NGAYLAP %s", path.name, stamp)
    rows = (
        [rec.get(t) for t in columns] + ([stamp] if add_stamp else [])
        for _, rec in _walk(path)
        if not isinstance(rec, str)
    )
    yield from frames(columns + ([UPDATED_AT] if add_stamp else []), rows, opts.batch_rows)


def _walk(path: Path) -> Iterator[tuple[str, dict[str, str | None] | str]]:
    """(`NGAYLAP`, its text) and (`row`, {tag: text}) for every XML1 row, in file order."""
    with path.open("rb") as fh:
        yield from _walk_open(fh)


def _walk_open(fh: BinaryIO) -> Iterator[tuple[str, dict[str, str | None] | str]]:
    try:
        events = SafeET.iterparse(fh, events=("start", "end"))
        root_seen = False
        episodes = 0
        for event, elem in events:
            tag = _local(elem.tag)
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if tag != ENVELOPE:
                        raise FileRejected(
                            Reason.not_claims(
                                f"thẻ gốc là <{tag}>, không phải <{ENVELOPE}>",
                                f"the root element is <{tag}>, not <{ENVELOPE}>",
                            )
                        )
                continue
            if tag == STAMP and elem.text and elem.text.strip():
                yield STAMP, elem.text.strip()
            elif tag == "FILEHOSO":
                episodes += 1
                if (_child_text(elem, "LOAIHOSO") or "").upper() == SUMMARY_TABLE:
                    for row in _summary_rows(elem, episodes):
                        yield "row", row
                elem.clear()  # keeps memory flat over thousands of episodes
    except ParseError as exc:
        raise FileRejected(Reason.corrupt("xml", *_where(exc))) from exc
    except defusedxml.DefusedXmlException as exc:
        raise FileRejected(Reason.unsafe_xml()) from exc


def _summary_rows(filehoso: Element, n: int) -> Iterator[dict[str, str | None]]:
    """The TONG_HOP rows of one XML1 entry: base64 text, or (leniently) inline XML."""
    content = next((c for c in filehoso if _local(c.tag) == "NOIDUNGFILE"), None)
    if content is None:
        raise FileRejected(
            Reason.not_claims(
                f"FILEHOSO thứ {n} không có NOIDUNGFILE", f"FILEHOSO number {n} has no NOIDUNGFILE"
            )
        )
    if len(content):
        table = content[0]
    else:
        try:
            raw = base64.b64decode("".join((content.text or "").split()), validate=True)
            table = SafeET.fromstring(raw)
        except (binascii.Error, ValueError) as exc:
            if isinstance(exc, defusedxml.DefusedXmlException):
                raise
            raise FileRejected(
                Reason.not_claims(
                    f"NOIDUNGFILE của FILEHOSO thứ {n} không phải base64 hợp lệ",
                    f"the NOIDUNGFILE of FILEHOSO number {n} is not valid base64",
                )
            ) from exc
        except ParseError as exc:
            vi, en = _where(exc)
            raise FileRejected(
                Reason.corrupt(
                    "xml",
                    f"bảng XML1 của FILEHOSO thứ {n}, {vi}",
                    f"the XML1 table of FILEHOSO number {n}, {en}",
                )
            ) from exc
    rows = (
        [table]
        if _local(table.tag) == SUMMARY_ROW
        else [e for e in table.iter() if _local(e.tag) == SUMMARY_ROW]
    )
    for row in rows:
        yield {_local(c.tag): _strip(c.text) for c in row}


def _child_text(elem: Element, name: str) -> str | None:
    child = next((c for c in elem if _local(c.tag) == name), None)
    return _strip(child.text) if child is not None else None


def _strip(text: str | None) -> str | None:
    text = text.strip() if text else None
    return text or None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _where(exc: ParseError) -> tuple[str, str]:
    line, column = getattr(exc, "position", (0, 0))
    return f"lỗi ở dòng {line}, cột {column}", f"error at line {line}, column {column}"
