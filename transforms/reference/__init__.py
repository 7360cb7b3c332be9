"""The code lists in force since 1 July 2025: 34 provinces, 3,321 communes, the
63 → 34 province crosswalk (Decision 19/2025/QĐ-TTg) and the crosswalk of the ~10,000
communes before 1 July 2025 to their successors, shipped inside this package.

They are read with `importlib.resources`, so they are found wherever the package is
installed (a wheel, a zip, another machine's Dask worker); a folder of other lists
(`VNHEALTH_REFERENCE_DIR`) overrides them (a folder without a commune crosswalk keeps the
shipped one).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


@dataclass(frozen=True)
class Reference:
    provinces: dict[str, str]  # current code -> name
    crosswalk: dict[str, str]  # pre-2025 code -> current code (current codes map to themselves)
    communes: dict[str, tuple[str, str]]  # commune code -> (name, current province code)
    # A pre-July-2025 commune code that is not a current code -> its (default) successor. A
    # code in the current list is always read as current, so none is a key here.
    commune_successor: dict[str, str] = field(default_factory=dict)
    # Those of them whose commune was divided between several new ones: the successor is
    # only the default one (QUALITY.md, "Old commune codes").
    communes_divided: frozenset[str] = frozenset()

    @property
    def commune_province(self) -> dict[str, str]:
        return {code: prov for code, (_, prov) in self.communes.items()}

    def current_province(self, code: str) -> str | None:
        """The current province for a current or pre-2025 code, or None if unknown."""
        if code in self.provinces:
            return code
        return self.crosswalk.get(code)


def _rows(folder: Traversable, name: str) -> list[dict[str, str]]:
    # Traversable.open takes no `newline`, which csv needs: wrap the bytes instead.
    with folder.joinpath(name).open("rb") as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))


@cache
def load(directory: Path | None = None) -> Reference:
    """Read the three code lists: those shipped in this package, or those of `directory`."""
    folder: Traversable = resources.files(__name__) if directory is None else Path(directory)
    provinces = {
        r["province_code"]: r["province_name"] for r in _rows(folder, "provinces_2025.csv")
    }
    crosswalk = {
        r["old_province_code"]: r["province_code"]
        for r in _rows(folder, "province_crosswalk_2025.csv")
    }
    communes = {
        r["commune_code"]: (r["commune_name"], r["province_code"])
        for r in _rows(folder, "communes_2025.csv")
    }
    successor, divided = _commune_crosswalk(folder, communes)
    return Reference(
        provinces=provinces,
        crosswalk=crosswalk,
        communes=communes,
        commune_successor=successor,
        communes_divided=divided,
    )


COMMUNE_CROSSWALK = "commune_crosswalk_2025.csv"


def _commune_crosswalk(
    folder: Traversable, communes: dict[str, tuple[str, str]]
) -> tuple[dict[str, str], frozenset[str]]:
    """(old code -> default successor, the old codes of divided communes), for the old codes
    that are not current codes. A row per (old commune, successor): `kind` is `merged`,
    `same_code` or `divided`, and `is_default` marks the one successor of a divided commune
    that its old code maps to."""
    if not folder.joinpath(COMMUNE_CROSSWALK).is_file():
        folder = resources.files(__name__)
    successor: dict[str, str] = {}
    divided: set[str] = set()
    for r in _rows(folder, COMMUNE_CROSSWALK):
        old = r["old_commune_code"]
        if old in communes:
            continue
        if r["is_default"].strip().lower() == "true":
            successor[old] = r["commune_code"]
        if r["kind"] == "divided":
            divided.add(old)
    return successor, frozenset(divided)
