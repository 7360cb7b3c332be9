"""JSON: an array of records, or `{"data": [...]}`, streamed one record at a time.

Read twice: the first pass collects every key (records need not all carry the same keys,
and every batch must have the same columns); the second yields the batches. Nested values
(objects, lists) become JSON text, kept in the raw row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pandas as pd

from transforms.ingest.readers.base import FileRejected, ReadOptions, cell_text, frames
from transforms.ingest.readers.sniff import detect_encoding, require
from transforms.messages import Reason

CHUNK_CHARS = 1 << 16
MAX_RECORD_CHARS = 1 << 26
DATA_KEY = "data"
_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()


class _Malformed(Exception):
    """The JSON text is not well formed; the message says where."""


class _Stream:
    """Decoded text with a sliding buffer, so that one JSON value at a time is decoded."""

    def __init__(self, fh: TextIO) -> None:
        self.fh, self.buf, self.pos, self.eof = fh, "", 0, False

    def _fill(self) -> bool:
        chunk = self.fh.read(CHUNK_CHARS)
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
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # The value may only be cut by the chunk; a record this big is not one.
                if len(self.buf) - self.pos < MAX_RECORD_CHARS and self._fill():
                    continue
                raise _Malformed(f"{exc.msg} (character {exc.pos - self.pos} of a record)") from exc
            # A number may go on in the next chunk: decode again with more text.
            if end == len(self.buf) and not self.eof and self._fill():
                continue
            self.pos = end
            return value


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


def _each(path: Path, encoding: str) -> Iterator[dict]:
    with path.open(encoding=encoding, errors="strict", newline="") as fh:
        for n, record in enumerate(_records(_Stream(fh)), start=1):
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
    try:
        keys: dict[str, None] = {}
        count = 0
        for record in _each(path, encoding):
            keys.update(dict.fromkeys(map(str, record)))
            count += 1
        if count == 0:
            raise FileRejected(Reason.empty())
        columns = list(keys)
        rows = ([_text(r.get(k)) for k in columns] for r in _each(path, encoding))
        yield from frames(columns, rows, opts.batch_rows)
    except _Malformed as exc:
        raise FileRejected(Reason.corrupt("json", str(exc))) from exc
    except UnicodeDecodeError as exc:
        raise FileRejected(Reason.bad_encoding()) from exc
