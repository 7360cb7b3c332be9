"""Discover the night's files in the landing zone.

Layout: `<landing>/<YYYY-MM-DD>/<source>/<dataset>[__<part>].<ext>`. Every file under the
night's folder becomes a `LandingFile`; those that do not fit the layout carry the reason
they are rejected, so nothing in the landing zone goes unrecorded. A claims package
(`claims[__<part>].xml`) delivers several datasets at once: it becomes one `LandingFile` per
dataset (same path), each staged, accounted and recorded in `meta.files` on its own.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from transforms.messages import Reason
from transforms.reference import Reference
from validations.model import LOCAL_TZ

EXTENSIONS = frozenset({"csv", "xlsx", "json", "xml"})
_NAME = re.compile(r"^(?P<dataset>[a-z_]+?)(?:__(?P<part>[^.]+))?\.(?P<ext>[A-Za-z0-9]+)$")
CLAIMS = "claims"
# What a claims package delivers, in the order its entries are listed.
CLAIMS_DATASETS = ("visits", "visit_drugs", "visit_services")
_SOURCE = re.compile(r"^(?:moh|p(?P<code>\d{2}))$")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    source_file: str  # relative to the landing root, with `/`
    source: str  # as delivered: `moh` or `pNN`
    source_current: str | None  # `moh` or `pNN` with the current province code
    province_code: str | None  # the current province of a provincial source
    dataset: str | None
    part: str | None
    ext: str | None
    size: int
    modified_at: datetime
    rejection: Reason | None = None  # set when the file does not fit the layout

    @property
    def remapped(self) -> bool:
        return self.source_current is not None and self.source_current != self.source


def sha256(path: Path) -> str:
    """The file's content hash. Opened without following a link and without blocking (a
    file swapped for a link or a FIFO since it was listed raises OSError, never hangs)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is no longer a regular file")
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(
    landing: Path,
    run_date: date,
    reference: Reference,
    datasets: dict[str, str],
    *,
    sources: set[str] | None = None,
    only_datasets: set[str] | None = None,
    max_bytes: int | None = None,
) -> list[LandingFile]:
    """Every entry of the night, in a stable order (source, then file name).

    `datasets` maps a known dataset id to who delivers it (`moh` or `province`). With
    `sources` or `only_datasets`, files of other sources or datasets are left out entirely
    (they belong to another run), but files that cannot be attributed are still listed.

    Only regular files are read later: the night is walked without following links
    (`lstat`), and a symbolic link, FIFO, device, socket or nested folder is listed as
    rejected, never opened. A name that is not UTF-8 is rejected with its bytes escaped;
    a file larger than `max_bytes` is rejected here, before anything reads it.
    """
    night = landing / run_date.isoformat()
    try:
        night_stat = night.lstat()
    except FileNotFoundError:
        return []
    if stat.S_ISLNK(night_stat.st_mode):
        # A linked night folder would read files from outside the landing root.
        return [_not_regular(night, landing, night, night_stat)]
    if not stat.S_ISDIR(night_stat.st_mode):
        return []
    found: list[LandingFile] = []
    for path, st in sorted(_walk(night), key=lambda e: e[0].relative_to(night).parts):
        if stat.S_ISREG(st.st_mode):
            lf = _describe(path, landing, night, reference, datasets, st)
            if lf.rejection is None and max_bytes is not None and lf.size > max_bytes:
                lf = replace(lf, rejection=Reason.too_large(lf.size, max_bytes))
        else:
            lf = _not_regular(path, landing, night, st)
        if sources and lf.source not in sources and lf.source_current not in sources:
            continue
        wanted = _chosen(lf, only_datasets)
        for entry in _package(lf, datasets):
            if wanted and entry.dataset not in wanted:
                continue
            found.append(entry)
    return found


def _chosen(lf: LandingFile, only_datasets: set[str] | None) -> set[str] | None:
    """The datasets to take from `lf`: a claims package chosen by its name (`claims`) gives
    all of its datasets, and one chosen for its line datasets also gives its visits (a
    line is judged with its visit's fate: quarantined tonight, its lines follow it)."""
    if not only_datasets or lf.dataset != CLAIMS:
        return only_datasets
    if CLAIMS in only_datasets:
        return set(CLAIMS_DATASETS)
    if only_datasets & (set(CLAIMS_DATASETS) - {"visits"}):
        return only_datasets | {"visits"}
    return only_datasets


def _package(lf: LandingFile, datasets: dict[str, str]) -> list[LandingFile]:
    """A usable claims package as one entry per dataset it delivers; any other file as is."""
    if lf.dataset != CLAIMS or lf.rejection:
        return [lf]
    return [replace(lf, dataset=ds) for ds in CLAIMS_DATASETS if ds in datasets]


def _walk(folder: Path, depth: int = 1) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry under `folder` with its own `lstat`, links never followed. Folders are
    walked; a folder below a source folder (where a file is expected) is also listed."""
    with os.scandir(folder) as entries:
        items = [
            (Path(e.path), e.stat(follow_symlinks=False), e.is_dir(follow_symlinks=False))
            for e in entries
        ]
    for path, st, is_dir in items:
        if not is_dir or depth > 1:
            yield path, st
        if is_dir:
            yield from _walk(path, depth + 1)


def _kind(mode: int) -> tuple[str, str]:
    """What an entry that is not a regular file is, in Vietnamese and English."""
    if stat.S_ISLNK(mode):
        return "một liên kết tượng trưng (symlink)", "a symbolic link"
    if stat.S_ISDIR(mode):
        return "một thư mục", "a folder"
    if stat.S_ISFIFO(mode):
        return "một đường ống (FIFO)", "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "một thiết bị", "a device"
    if stat.S_ISSOCK(mode):
        return "một socket", "a socket"
    return "một mục không rõ loại", "an entry of unknown type"


def _not_regular(path: Path, landing: Path, night: Path, st: os.stat_result) -> LandingFile:
    rel = path.relative_to(night)
    source_file, bad = _safe_name(path.relative_to(landing))
    return LandingFile(
        path=path,
        source_file=source_file,
        source=_safe_name(Path(rel.parts[0]))[0] if len(rel.parts) > 1 else "",
        source_current=None,
        province_code=None,
        dataset=None,
        part=None,
        ext=None,
        size=0,
        modified_at=_local_time(st.st_mtime),
        rejection=Reason.bad_name(source_file)
        if bad
        else Reason.not_regular(source_file, *_kind(st.st_mode)),
    )


def _safe_name(rel: Path) -> tuple[str, bool]:
    """The relative path with `/`, and whether it was not UTF-8: such bytes (which Python
    keeps as lone surrogates) are written `\\xNN`, so the name can be stored and shown."""
    text = rel.as_posix()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace"), True
    return text, False


def _local_time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, LOCAL_TZ).replace(tzinfo=None)


def _describe(path, landing, night, reference, datasets, st: os.stat_result) -> LandingFile:
    rel = path.relative_to(night)
    source_file, bad = _safe_name(path.relative_to(landing))
    base = dict(
        path=path,
        source_file=source_file,
        size=st.st_size,
        modified_at=_local_time(st.st_mtime),
    )
    if bad:
        return LandingFile(
            **base,
            source=_safe_name(Path(rel.parts[0]))[0] if len(rel.parts) > 1 else "",
            source_current=None,
            province_code=None,
            dataset=None,
            part=None,
            ext=None,
            rejection=Reason.bad_name(source_file),
        )
    if len(rel.parts) != 2:
        return LandingFile(
            **base,
            source=rel.parts[0] if len(rel.parts) > 1 else "",
            source_current=None,
            province_code=None,
            dataset=None,
            part=None,
            ext=path.suffix.lstrip(".").lower() or None,
            rejection=Reason.outside_layout(rel.as_posix()),
        )
    source, name = rel.parts
    m_source = _SOURCE.match(source)
    m_name = _NAME.match(name)
    province = None
    current = None
    if m_source and m_source.group("code"):
        province = reference.current_province(m_source.group("code"))
        current = f"p{province}" if province else None
    elif m_source:
        current = "moh"
    dataset = m_name.group("dataset") if m_name else None
    ext = m_name.group("ext").lower() if m_name else path.suffix.lstrip(".").lower() or None
    lf = dict(
        base,
        source=source,
        source_current=current,
        province_code=province,
        dataset=dataset,
        part=m_name.group("part") if m_name else None,
        ext=ext,
    )
    if not m_source or current is None:
        return LandingFile(**lf, rejection=Reason.unknown_source(source))
    if not m_name or ext not in EXTENSIONS:
        return LandingFile(**lf, rejection=Reason.unknown_format(name))
    if dataset == CLAIMS and ext != "xml":
        return LandingFile(**lf, rejection=Reason.unknown_format(name))
    if dataset == CLAIMS and current == "moh":
        return LandingFile(**lf, rejection=Reason.wrong_source(dataset, source, "province"))
    if dataset == CLAIMS:
        return LandingFile(**lf)
    if dataset is None or dataset not in datasets:
        return LandingFile(**lf, rejection=Reason.unknown_dataset(dataset))
    expected = datasets[dataset]
    if (expected == "moh") != (current == "moh"):
        return LandingFile(**lf, rejection=Reason.wrong_source(dataset, source, expected))
    return LandingFile(**lf)
