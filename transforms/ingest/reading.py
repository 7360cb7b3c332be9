"""Read a landing file into batches of text columns, as delivered.

A reader yields DataFrames whose columns are the file's own headers and whose values are
text (NA where empty); parsing and mapping happen later. A file that cannot be read raises
`FileRejected` with one clear, bilingual reason. The readers, one per format, live in
`transforms.ingest.readers`; this module chooses one and applies the limits every format shares.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from transforms.ingest.readers.base import (
    UNLIMITED,
    FileLayout,
    FileRejected,
    ReadOptions,
    ShapeLimits,
)
from transforms.ingest.readers.claims import read_claims_batches
from transforms.ingest.readers.delimited import read_csv_batches
from transforms.ingest.readers.records import read_json_batches
from transforms.ingest.readers.sniff import HEAD_BYTES
from transforms.ingest.readers.workbook import read_xlsx_batches
from transforms.messages import Reason

__all__ = ["READERS", "UNLIMITED", "FileLayout", "FileRejected", "ShapeLimits", "read_batches"]

Reader = Callable[[Path, bytes, ReadOptions], Iterator[pd.DataFrame]]
READERS: dict[str, Reader] = {
    "csv": read_csv_batches,
    "xlsx": read_xlsx_batches,
    "json": read_json_batches,
    "xml": read_claims_batches,
}


def read_batches(
    path: Path,
    ext: str,
    *,
    batch_rows: int,
    max_bytes: int,
    max_expanded_bytes: int,
    max_compression_ratio: float,
    header_keys: frozenset[str] = frozenset(),
    shape: ShapeLimits = UNLIMITED,
    dataset: str = "",
    max_table_bytes: int = 64 * 1024**2,
    notes: list[str] | None = None,
    layout: FileLayout | None = None,
) -> Iterator[pd.DataFrame]:
    """Batches of at most `batch_rows` rows of text columns from a landing file.

    `header_keys` are the dataset's folded column names and aliases (`transforms.text.fold`):
    a spreadsheet's header row is the row that holds the most of them. A file larger than
    `max_bytes`, an archive (xlsx) expanding beyond `max_expanded_bytes` or
    `max_compression_ratio` times its size, an empty file, a file whose content is not the
    format its extension claims, a file beyond the `shape` limits, or one that cannot be
    read raises FileRejected. Only a regular file is opened: a link or a FIFO put in its
    place since the landing zone was listed is rejected, never followed or waited on.
    `layout`, when given, is filled with where the reader found the table (header row,
    sheet) as it reads.
    """
    st = path.lstat()
    if not stat.S_ISREG(st.st_mode):
        raise FileRejected(Reason.not_regular(path.name, "không phải tệp thường", "not a file"))
    if st.st_size > max_bytes:
        raise FileRejected(Reason.too_large(st.st_size, max_bytes))
    reader = READERS.get(ext.lower())
    if reader is None:
        raise FileRejected(Reason.unknown_format(path.name))
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip(b" \t\r\n\0\xef\xbb\xbf\xff\xfe"):
        raise FileRejected(Reason.empty())
    opts = ReadOptions(
        batch_rows=batch_rows,
        header_keys=header_keys,
        max_expanded_bytes=max_expanded_bytes,
        max_compression_ratio=max_compression_ratio,
        shape=shape,
        dataset=dataset,
        max_table_bytes=max_table_bytes,
        layout=layout if layout is not None else FileLayout(),
    )
    produced = False
    for batch in reader(path, head, opts):
        if not produced and len(batch.columns) > shape.max_columns:
            raise FileRejected(Reason.too_many_columns(len(batch.columns), shape.max_columns))
        if len(batch) or batch.attrs.get("empty_ok"):
            produced = True
            yield batch
    if notes is not None:
        notes.extend(opts.notes)
    if not produced:
        raise FileRejected(Reason.empty())
