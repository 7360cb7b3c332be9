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

Read once for its three datasets: the night reads the package once per dataset
(`ReadOptions.dataset`), and the first of those reads walks it whole
(`claims_split.split_file`: the envelope, the tables, the rows of XML1, XML2 and XML3 with
what the reader adds, spooled compressed to a private temporary folder); the other two
replay their table from the spool, which goes once the three have read it. Each dataset's
rows and its rejection are what reading the package for it alone would give. The first read
may also be made ahead, in another process (`claims_split.split_package`, run by
`transforms.ingest.presplit`): the reader then takes that split (`offer`) instead of
reading the package itself, or reads it itself if the split failed or the file changed.
Memory stays flat whatever the package's size: a batch of `ReadOptions.batch_rows` rows is
the most held here, a chunk of spooled rows in the split.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from transforms.ingest.readers.base import FileRejected, ReadOptions, frames
from transforms.ingest.readers.claims_split import (
    DATASET_OF,
    EPISODE_FACILITY,
    HAS_VISIT,
    KIND_OF,
    LINE_DATASETS,
    LINE_SUMS,
    LINE_TABLES,
    SUMMARY,
    SUMMARY_DATASET,
    Package,
    Split,
    Spool,
    split_file,
)
from transforms.ingest.readers.sniff import require
from transforms.text import fold
from validations.registry import DATASETS

log = logging.getLogger(__name__)

UPDATED_AT = "updated_at"
# Tags that already say when the record changed; if present, NGAYLAP is not added.
_UPDATED_KEYS = frozenset({"updated_at", "ngay_cap_nhat"})


def read_claims_batches(path: Path, head: bytes, opts: ReadOptions) -> Iterator[pd.DataFrame]:
    """Batches of the rows of the table `opts.dataset` is read from (XML1 for `visits` and
    for any other dataset), with the columns the reader adds (see the module).

    The package is read once for its three datasets (`Split`): the first read spools the
    rows of XML1, XML2 and XML3 to disk, and the reads of the other two datasets replay
    their own from there."""
    require(head, "xml", "xml")
    dataset = opts.dataset if opts.dataset in LINE_DATASETS else SUMMARY_DATASET
    with _spooled(path, opts.max_table_bytes, dataset) as (split, fh):
        reason = split.rejection(dataset)
        if reason is not None:
            raise FileRejected(reason)
        pkg = split.pkg
        if dataset == SUMMARY_DATASET:  # the package's notes go once, on the visits' entry
            opts.notes.extend(_notes(pkg))
        table = split.tables[dataset]
        delivered = list(table.tags)
        columns = layout_columns(KIND_OF[dataset], delivered)
        add_stamp = not any(fold(t) in _UPDATED_KEYS for t in delivered)
        extra = [UPDATED_AT] if add_stamp else []
        with_sums = dataset == SUMMARY_DATASET and any(pkg.tables[k] for k in LINE_TABLES)
        if with_sums:
            extra += LINE_SUMS
        elif dataset != SUMMARY_DATASET:
            if EPISODE_FACILITY not in table.tags:
                extra.append(EPISODE_FACILITY)
            extra.append(HAS_VISIT)
        # The headers are mapped from the tags the rows carry (as first met), not from the
        # declared ones they lack: which columns are missing or extra is as delivered.
        given = [*delivered, *extra]
        if table.rows == 0:  # a package without lines of this table: nothing to load, not an error
            empty = pd.DataFrame(columns=columns + extra, dtype="str")
            empty.attrs.update(empty_ok=True, delivered=given)
            yield empty
            return
        rows = _replay(table, fh, columns, extra, dataset, pkg)
        for batch in frames(columns + extra, rows, opts.batch_rows):
            batch.attrs["delivered"] = given
            yield batch


def layout_columns(kind: str, delivered: list[str]) -> list[str]:
    """A table's columns as the night records them (`dq.file_layouts`): the declared tags of
    its table (`declared_tags`) in declared order, whether or not tonight's rows carry them,
    then any other tag its rows carry, as first met. So a night whose first rows lack an
    optional tag, or carry tags in another order, has the layout of the others, and an
    unknown tag is still a change."""
    declared = declared_tags(kind)
    known = set(declared)
    return [*declared, *(t for t in delivered if t not in known)]


@cache
def declared_tags(kind: str) -> tuple[str, ...]:
    """The tags of table `kind` (XML1, XML2, XML3) in declared order: those its dataset's
    description (DATASETS.md) reads, column by column (aliases and summed parts in their
    order), less the columns the reader fills in itself (the stamp too: a table's own
    `NGAY_CAP_NHAT` is not a tag of the standard). The 130 and 3176 tag sets name them
    alike (3176 renames only XML13's tags), so one list serves both."""
    ds = DATASETS[DATASET_OF[kind]]
    filled = {UPDATED_AT, *LINE_SUMS, HAS_VISIT}
    if kind != SUMMARY.kind:
        filled.add("facility_code")  # a line's MA_CSKCB is its episode's (not an XML2/3 tag)
    tags: dict[str, None] = {}
    for col in ds.columns:
        if col.derived_from is not None or col.name in filled:
            continue
        for name in (*col.vi, *col.sum_of):
            if _TAG.fullmatch(name):
                tags.setdefault(name)
    return tuple(tags)


_TAG = re.compile(r"[A-Z][A-Z0-9_]*")


def _replay(
    table: Spool, fh: BinaryIO, columns: list[str], extra: list[str], dataset: str, pkg: Package
) -> Iterator[list[str | None]]:
    """The spooled rows of one table as rows of `columns + extra`, as delivered."""
    # Each layout's values gathered into the columns: the value of each column's tag, or
    # the None put after the values when the layout lacks the tag.
    gathers = []
    for layout in table.layouts:
        at = {t: i for i, t in enumerate(layout)}
        gathers.append(itemgetter(*(at.get(t, len(layout)) for t in columns)))
    stamp = pkg.stamp
    facility_at = columns.index(EPISODE_FACILITY) if EPISODE_FACILITY in columns else None
    lines = dataset != SUMMARY_DATASET
    for layout_id, values, *added in table.read(fh):
        row: list[str | None] = list(gathers[layout_id]((*values, None)))
        if lines:
            # The episode's facility: its XML1's MA_CSKCB, else the envelope's MACSKCB.
            fac, has = added
            given = row[facility_at] if facility_at is not None else None
            if not given:
                given = fac or pkg.facility
                if facility_at is not None:
                    row[facility_at] = given
            for name in extra:
                row.append(
                    stamp
                    if name == UPDATED_AT
                    else given
                    if name == EPISODE_FACILITY
                    else ("true" if has else "false")
                    if name == HAS_VISIT
                    else None
                )
        else:
            sums = dict(zip(LINE_SUMS, added, strict=True))
            for name in extra:
                row.append(stamp if name == UPDATED_AT else sums.get(name))
        yield row


# Packages read once per process: (path, identity, limit) -> the split, until its three
# datasets have read it. The night stages every dataset's bundles at once, the visits'
# first, so the lines may come long after: splits wait unless their spools pass
# `_KEEP_BYTES` on disk (or `_KEEP` of them wait), when the oldest is forgotten and a later
# read of it reads the package again.
_KEEP = 10_000
_KEEP_BYTES = 4 * 1024**3
_LOCK = threading.Lock()
_SPLITS: OrderedDict[tuple, Split] = OrderedDict()
_SPLITTING: dict[tuple, threading.Lock] = {}
_ROOT: list[tuple[int, Path]] = []  # (pid, this process's spool folder)
# Splits being made ahead in another process: (resolved path, limit) -> (its future, the
# folder its spools go under, the pid of the process that offered it).
_OFFERS: dict[tuple[str, int], tuple[Future[Split], Path, int]] = {}


def offer(path: Path, limit: int, future: Future[Split], root: Path) -> None:
    """The split of the package at `path` (read with `limit`) is being made ahead (see
    `split_package`), its spools under `root`: the package's first read waits for it and
    takes it, instead of reading the package itself."""
    with _LOCK:
        _OFFERS[(str(path.resolve()), limit)] = (future, root, os.getpid())


def withdraw(root: Path) -> list[Future[Split]]:
    """Forget the splits made ahead under `root`: those not taken (returned, to be
    cancelled or cleaned by whoever made them) and those taken but not yet read by all
    their datasets (their spools removed: a later read reads the package again)."""
    with _LOCK:
        gone = [k for k, (_, r, _) in _OFFERS.items() if r == root]
        futures = [_OFFERS.pop(k)[0] for k in gone]
        for k in [k for k, sp in _SPLITS.items() if sp.folder.is_relative_to(root)]:
            _forget(_SPLITS.pop(k))
    return futures


def _taken(key: tuple, path: Path) -> Split | None:
    """The split made ahead for the package with `key`, once made; None if there is none,
    it failed (a worker that died, an error), or it read another file than this one."""
    with _LOCK:
        offered = _OFFERS.pop((key[0], key[-1]), None)
    if offered is None or offered[2] != os.getpid():  # a forked process: not its pool
        return None
    name = f"{path.parent.name}/{path.name}"
    began = time.monotonic()
    try:
        split = offered[0].result()
    except Exception as exc:  # the package is read here instead: same rows, same reasons
        log.warning("the split of %s made ahead failed, read here: %r", name, exc)
        return None
    if split.key != key:
        log.info("%s changed since its split made ahead: read again", name)
        _forget(split)
        return None
    log.info("%s: split made ahead taken, after waiting %.1f s", name, time.monotonic() - began)
    return split


@contextmanager
def _spooled(path: Path, limit: int, dataset: str) -> Iterator[tuple[Split, BinaryIO]]:
    """The package's split, made on first use (threads reading the same package wait for
    it), and the dataset's spool file open for reading; the split is forgotten once each of
    its datasets has been read from it."""
    st = path.stat()
    key = (str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, limit)
    with _LOCK:
        making = _SPLITTING.setdefault(key, threading.Lock())
        root = _root()
    with making:
        with _LOCK:
            split = _SPLITS.get(key)
            if split is not None and dataset in split.read_by:
                split = None  # read again for the same dataset: the package is read again
        if split is None:
            split = _taken(key, path)  # made ahead in a worker process, if it was
            if split is None:
                folder = Path(tempfile.mkdtemp(prefix="package-", dir=root))
                try:
                    split = split_file(path, folder, limit)
                except BaseException:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise
            with _LOCK:
                old = _SPLITS.pop(key, None)
                if old is not None:
                    _forget(old)
                _SPLITS[key] = split
                while len(_SPLITS) > 1 and (
                    len(_SPLITS) > _KEEP or sum(x.bytes for x in _SPLITS.values()) > _KEEP_BYTES
                ):
                    _forget(_SPLITS.popitem(last=False)[1])
        with _LOCK:
            split.read_by.add(dataset)
            # Open before the split may be forgotten: an open file outlives its removal.
            fh = split.tables[dataset].path.open("rb")
            if split.read_by >= set(KIND_OF) and _SPLITS.get(key) is split:
                del _SPLITS[key]
                _forget(split)
    try:
        yield split, fh
    finally:
        fh.close()


def _forget(split: Split) -> None:
    shutil.rmtree(split.folder, ignore_errors=True)


def _root() -> Path:
    """This process's spool folder (private to the night's user: it holds raw rows),
    removed when the process exits."""
    pid = os.getpid()
    if not _ROOT or _ROOT[0][0] != pid:
        root = Path(tempfile.mkdtemp(prefix="vnhealth-claims-"))
        _ROOT[:] = [(pid, root)]
        _SPLITS.clear()
        _SPLITTING.clear()
        atexit.register(shutil.rmtree, root, True)
    return _ROOT[0][1]


def _notes(pkg: Package) -> list[str]:
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
