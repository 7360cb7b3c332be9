"""The code lists ship inside the package, and a folder of other lists overrides them."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from flows.settings import Settings
from transforms import reference

LISTS = ("provinces_2025.csv", "province_crosswalk_2025.csv", "communes_2025.csv")


def test_the_shipped_lists_load():
    ref = reference.load()
    assert len(ref.provinces) == 34
    assert len(ref.communes) == 3321
    assert ref.current_province("02") == "08"
    assert ref.current_province("08") == "08"
    assert ref.current_province("99") is None


def test_every_list_is_package_data():
    shipped = resources.files("transforms.reference")
    for name in (*LISTS, "commune_crosswalk_2025.csv"):
        assert shipped.joinpath(name).is_file(), name


def test_a_folder_overrides_the_shipped_lists(tmp_path: Path, monkeypatch):
    for name in LISTS:
        with resources.as_file(resources.files("transforms.reference").joinpath(name)) as f:
            shutil.copyfile(f, tmp_path / name)
    provinces = tmp_path / "provinces_2025.csv"
    lines = provinces.read_text(encoding="utf-8").splitlines(keepends=True)
    provinces.write_text("".join(lines[:-1]), encoding="utf-8")  # one province fewer

    monkeypatch.setenv("VNHEALTH_REFERENCE_DIR", str(tmp_path))
    s = Settings()
    assert s.reference_dir == tmp_path
    assert len(reference.load(s.reference_dir).provinces) == 33
    monkeypatch.delenv("VNHEALTH_REFERENCE_DIR")
    assert Settings().reference_dir is None
    assert len(reference.load(Settings().reference_dir).provinces) == 34


def test_the_commune_crosswalk_maps_old_codes_that_are_not_current():
    ref = reference.load()
    assert len(ref.commune_successor) > 6000
    # A current code is always read as current: it is never an old code to map.
    assert not set(ref.commune_successor) & set(ref.communes)
    assert set(ref.commune_successor.values()) <= set(ref.communes)
    assert ref.communes_divided <= set(ref.commune_successor)
    assert ref.commune_successor["00001"] == "00097"  # merged
    assert ref.commune_successor["00007"] == "00008" and "00007" in ref.communes_divided
    assert "00001" not in ref.communes_divided
    assert "00070" not in ref.commune_successor  # current, and also a divided old code


def test_a_folder_without_a_commune_crosswalk_keeps_the_shipped_one(tmp_path: Path):
    for name in LISTS:
        with resources.as_file(resources.files("transforms.reference").joinpath(name)) as f:
            shutil.copyfile(f, tmp_path / name)
    assert reference.load(tmp_path).commune_successor == reference.load().commune_successor
