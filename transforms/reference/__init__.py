"""The code lists in force since 1 July 2025: 34 provinces, 3,321 communes and the
63 → 34 province crosswalk (Decision 19/2025/QĐ-TTg), shipped inside this package."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

DEFAULT_DIR = Path(str(resources.files(__name__)))


@dataclass(frozen=True)
class Reference:
    provinces: dict[str, str]  # current code -> name
    crosswalk: dict[str, str]  # pre-2025 code -> current code (current codes map to themselves)
    communes: dict[str, tuple[str, str]]  # commune code -> (name, current province code)

    @property
    def commune_province(self) -> dict[str, str]:
        return {code: prov for code, (_, prov) in self.communes.items()}

    def current_province(self, code: str) -> str | None:
        """The current province for a current or pre-2025 code, or None if unknown."""
        if code in self.provinces:
            return code
        return self.crosswalk.get(code)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def load(directory: Path = DEFAULT_DIR) -> Reference:
    """Read the three code lists of `directory`."""
    provinces = {
        r["province_code"]: r["province_name"] for r in _rows(directory / "provinces_2025.csv")
    }
    crosswalk = {
        r["old_province_code"]: r["province_code"]
        for r in _rows(directory / "province_crosswalk_2025.csv")
    }
    communes = {
        r["commune_code"]: (r["commune_name"], r["province_code"])
        for r in _rows(directory / "communes_2025.csv")
    }
    return Reference(provinces=provinces, crosswalk=crosswalk, communes=communes)
