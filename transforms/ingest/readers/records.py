"""JSON: an array of records, or `{"data": [...]}`, streamed one record at a time.

Read twice: the first pass collects every key (records need not all carry the same keys,
and every batch must have the same columns); the second yields the batches. Nested values
(objects, lists) become JSON text, kept in the raw row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import pandas as pd

from transforms.ingest.readers.base import (
    FileRejected,
    ReadOptions,
    ShapeLimits,
    cell_text,
    frames,
)
from transforms.ingest.readers.sniff import detect_encoding, require
from transforms.messages import Reason

CHUNK_CHARS = 1 << 16
DATA_KEY = "data"
_WS = re.compile(r"[ \t\r\n]*")
# A `\uD800`-`\uDFFF` escape: only a record holding one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# How close to the end of the text read so far an error must be to mean "cut by the chunk".
_CUT_MARGIN = 16


class _Malformed(Exception):
    """The JSON text is not well formed; the message says where."""


class _Limit(Exception):
    """A record goes beyond one of the shape limits: `kind` says which."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _Stream:
    """Decoded text with a sliding buffer, so that one JSON value at a time is decoded,
    within the shape limits: a value longer than `max_record_chars`, nested deeper than
    `max_json_depth`, with a number longer than `max_number_digits` or a lone surrogate
    raises `_Limit` (before it is decoded when it can be told from the text)."""

    def __init__(self, fh: TextIO, shape: ShapeLimits) -> None:
        self.fh, self.buf, self.pos, self.eof = fh, "", 0, False
        self.shape = shape
        digits = shape.max_number_digits

        def number(text: str, parse: Callable[[str], object]) -> object:
            if len(text) > digits and sum(c.isdigit() for c in text) > digits:
                raise _Limit("number")
            return parse(text)

        self.decoder = json.JSONDecoder(
            parse_int=lambda t: number(t, int), parse_float=lambda t: number(t, float)
        )

    def _fill(self) -> bool:
        # Read at least as much as is waiting: a long value is decoded a few times, not
        # once per chunk (which made one 100 MB record take minutes).
        chunk = self.fh.read(max(CHUNK_CHARS, len(self.buf) - self.pos))
        if not chunk:
            self.eof = True
            return False
        self.buf, self.pos = self.buf[self.pos :] + chunk, 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            ws = _WS.match(self.buf, self.pos)  # `[ \t\r\n]*` always matches
            self.pos = ws.end() if ws else self.pos
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def take(self, expected: str) -> None:
        found = self.peek()
        if found != expected:
            raise _Malformed(f"expected '{expected}', found '{found or 'end of file'}'")
        self.pos += 1

    def value(self) -> object:
        self.peek()
        limit = self.shape.max_record_chars
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                waiting = len(self.buf) - self.pos
                # The value may only be cut by the chunk: read on, up to the limit.
                cut = exc.pos >= len(self.buf) - _CUT_MARGIN or exc.msg.startswith(
                    "Unterminated string"
                )
                if cut and not self.eof and waiting > limit:
                    raise _Limit("size") from exc
                if cut and self._fill():
                    continue
                raise _Malformed(f"{exc.msg} (character {exc.pos - self.pos} of a record)") from exc
            except RecursionError as exc:
                raise _Limit("depth") from exc
            # A number may go on in the next chunk: decode again with more text.
            if end == len(self.buf) and not self.eof and self._fill():
                continue
            start, self.pos = self.pos, end
            self._check(value, start, end)
            return value

    def _check(self, value: object, start: int, end: int) -> None:
        if end - start > self.shape.max_record_chars:
            raise _Limit("size")
        depth = self.shape.max_json_depth
        text = self.buf
        if text.count("{", start, end) + text.count("[", start, end) > depth and _deeper_than(
            value, depth
        ):
            raise _Limit("depth")
        if _SURROGATE_ESCAPE.search(text, start, end):
            try:
                json.dumps(value, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError as exc:
                raise _Limit("surrogate") from exc


def _deeper_than(value: object, limit: int) -> bool:
    """Whether objects and arrays nest deeper than `limit` levels in `value` (without
    recursion: the depth may be what is wrong)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in children)
    return False


def _array(stream: _Stream) -> Iterator[object]:
    stream.take("[")
    if stream.peek() == "]":
        stream.pos += 1
        return
    while True:
        yield stream.value()
        if stream.peek() == "]":
            stream.pos += 1
            return
        stream.take(",")


def _records(stream: _Stream) -> Iterator[object]:
    """The records of `[...]` or of the `data` member of `{...}`."""
    if stream.peek() == "[":
        yield from _array(stream)
    else:
        stream.take("{")
        found = False
        while stream.peek() != "}":
            key = stream.value()
            stream.take(":")
            if key == DATA_KEY and stream.peek() == "[":
                found = True
                yield from _array(stream)
            else:
                stream.value()  # metadata beside the records (counts, export time...)
            if stream.peek() != "}":
                stream.take(",")
        stream.pos += 1
        if not found:
            raise FileRejected(
                Reason.bad_records(
                    'không có khóa "data" chứa mảng bản ghi', 'no "data" key holding an array'
                )
            )
    if stream.peek():
        raise _Malformed("content after the end of the JSON value")


_LIMIT_REASONS: dict[str, Callable[[int, ShapeLimits], Reason]] = {
    "size": lambda n, shape: Reason.record_too_large(n, shape.max_record_chars),
    "depth": lambda n, shape: Reason.too_deep(n, shape.max_json_depth),
    "number": lambda n, shape: Reason.number_too_long(n, shape.max_number_digits),
    "surrogate": lambda n, shape: Reason.bad_text(n),
}


def _each(path: Path, encoding: str, shape: ShapeLimits) -> Iterator[dict]:
    with path.open(encoding=encoding, errors="strict", newline="") as fh:
        n = 0
        records = _records(_Stream(fh, shape))
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except _Limit as exc:
                raise FileRejected(_LIMIT_REASONS[exc.kind](n + 1, shape)) from exc
            n += 1
            if not isinstance(record, dict):
                raise FileRejected(
                    Reason.bad_records(
                        f"bản ghi thứ {n} không phải một đối tượng {{...}}",
                        f"record {n} is not an object {{...}}",
                    )
                )
            yield record


def _text(value: object) -> str | None:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return cell_text(value)


def read_json_batches(path: Path, head: bytes, opts: ReadOptions) -> Iterator[pd.DataFrame]:
    """Batches of records as text columns named by the records' keys (first seen first)."""
    require(head, "json", "json")
    encoding = detect_encoding(head)
    shape = opts.shape
    try:
        keys: dict[str, None] = {}
        count = 0
        for record in _each(path, encoding, shape):
            keys.update(dict.fromkeys(map(str, record)))
            if len(keys) > shape.max_columns:
                raise FileRejected(Reason.too_many_columns(len(keys), shape.max_columns))
            count += 1
        if count == 0:
            raise FileRejected(Reason.empty())
        columns = list(keys)
        rows = ([_text(r.get(k)) for k in columns] for r in _each(path, encoding, shape))
        yield from frames(columns, rows, opts.batch_rows)
    except _Malformed as exc:
        raise FileRejected(Reason.corrupt("json", str(exc))) from exc
    except UnicodeDecodeError as exc:
        raise FileRejected(Reason.bad_encoding()) from exc
