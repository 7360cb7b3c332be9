"""Discover the night's files in the landing zone.

Layout: `<landing>/<YYYY-MM-DD>/<source>/<dataset>[__<part>].<ext>`. Every file under the
night's folder becomes a `LandingFile`; those that do not fit the layout carry the reason
they are rejected, so nothing in the landing zone goes unrecorded. A claims package
(`claims[__<part>].xml`) delivers several datasets at once: it becomes one `LandingFile` per
dataset (same path), each staged, accounted and recorded in `meta.files` on its own.
"""

from __future__ import annotations

import hashlib
import re
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
    digest = hashlib.sha256()
    with path.open("rb") as fh:
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
) -> list[LandingFile]:
    """Every file of the night, in a stable order (source, then file name).

    `datasets` maps a known dataset id to who delivers it (`moh` or `province`). With
    `sources` or `only_datasets`, files of other sources or datasets are left out entirely
    (they belong to another run), but files that cannot be attributed are still listed.
    """
    night = landing / run_date.isoformat()
    if not night.is_dir():
        return []
    found: list[LandingFile] = []
    for path in sorted(p for p in night.rglob("*") if p.is_file()):
        lf = _describe(path, landing, night, reference, datasets)
        if sources and lf.source not in sources and lf.source_current not in sources:
            continue
        for entry in _package(lf, datasets):
            if only_datasets and entry.dataset not in only_datasets:
                continue
            found.append(entry)
    return found


def _package(lf: LandingFile, datasets: dict[str, str]) -> list[LandingFile]:
    """A usable claims package as one entry per dataset it delivers; any other file as is."""
    if lf.dataset != CLAIMS or lf.rejection:
        return [lf]
    return [replace(lf, dataset=ds) for ds in CLAIMS_DATASETS if ds in datasets]


def _describe(path, landing, night, reference, datasets) -> LandingFile:
    rel = path.relative_to(night)
    stat = path.stat()
    base = dict(
        path=path,
        source_file=path.relative_to(landing).as_posix(),
        size=stat.st_size,
        modified_at=datetime.fromtimestamp(stat.st_mtime, LOCAL_TZ).replace(tzinfo=None),
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
