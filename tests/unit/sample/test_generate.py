"""The generator (issue 18 item 4, issue 16 item 4): deterministic for a seed, byte for byte
and stamp for stamp, though it streams its files; and the claims packages plant a defect of
every rule of the two line tables that a package can break."""

from __future__ import annotations

import csv
import hashlib
import random
import time
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest

from sample.generate import population, visits
from sample.generate.base import World
from sample.generate.claims import DRUG_ERRORS, SERVICE_ERRORS, standard_line_defects
from sample.generate.history import generate_nights
from sample.generate.night import NightSpec, generate
from transforms.reference import load

RUN_DATE = date(2026, 11, 24)


def _fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    """Each file's hash, and for landing files their stamp (lateness is judged by it)."""
    return {
        str(p.relative_to(root)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            0 if p.relative_to(root).parts[0] == "_truth" else p.stat().st_mtime_ns,
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_in_one_process_or_two(tmp_path):
    """Each province's file is a unit with its own random stream: made in this process or
    in a pool of two, in whatever order, the night is the same."""
    ref = load()
    for name, jobs in (("a", 1), ("b", 2)):
        generate(tmp_path / name, NightSpec(run_date=RUN_DATE, scale=0.05, seed=7), ref, jobs=jobs)
    a, b = _fingerprint(tmp_path / "a"), _fingerprint(tmp_path / "b")
    assert len(a) > 300
    assert a == b
    generate(tmp_path / "c", NightSpec(run_date=RUN_DATE, scale=0.05, seed=8), ref)
    assert _fingerprint(tmp_path / "c") != a  # the seed matters


def test_a_history_has_the_same_bytes_at_another_time(tmp_path):
    """Its workbooks too: openpyxl stamps a workbook with the clock unless told otherwise;
    and in one process or two (a night's stamps are the next night's `earlier`)."""
    ref = load()
    for name, jobs in (("a", 1), ("b", 2)):
        if name == "b":
            time.sleep(2.1)  # a zip member's time has a resolution of 2 s
        spec = NightSpec(run_date=RUN_DATE, scale=0.05, seed=3)
        generate_nights(tmp_path / name, spec, 2, ref, jobs=jobs)
    a, b = _fingerprint(tmp_path / "a"), _fingerprint(tmp_path / "b")
    assert any(k.endswith(".xlsx") for k in a)
    assert a == b


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("night")
    # Many errors on a small night: every kind's turn comes.
    generate(out, NightSpec(run_date=RUN_DATE, scale=0.3, seed=0, error_rate=0.3), load())
    with (out / "_truth" / RUN_DATE.isoformat() / "defects.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    ("dataset", "hand"),
    [("visit_drugs", DRUG_ERRORS), ("visit_services", SERVICE_ERRORS)],
)
def test_every_breakable_line_rule_is_planted(planted, dataset, hand):
    kinds = {(d["kind"], d["severity"]) for d in planted if d["dataset"] == dataset}
    expected = {(k, "error") for k in hand} | {
        ("duplicate_key", "error"),
        ("orphan_line", "error") if dataset == "visit_drugs" else ("parent_quarantined", "error"),
        ("parent_quarantined", "error"),
    }
    world = _world()
    expected |= {(k, r.severity) for k, r in standard_line_defects(world, dataset)}
    assert expected - kinds == set(), sorted(expected - kinds)
    assert ("required" in " ".join(k for k, _ in kinds)) and (
        "format" in " ".join(k for k, _ in kinds)
    )


def _world() -> World:
    return World(spec=NightSpec(run_date=RUN_DATE), ref=load(), rng=random.Random(0))


def test_every_province_keeps_a_facility_that_loads_at_a_small_scale(tmp_path):
    """Seed 0 at scale 0.05 broke all three of a province's facilities, and the health
    checks' generator then failed with KeyError: a province whose facilities planting broke
    gets one more, clean."""
    generate(tmp_path, NightSpec(run_date=RUN_DATE, scale=0.05, seed=0), load())
    night = tmp_path / RUN_DATE.isoformat()
    with (tmp_path / "_truth" / RUN_DATE.isoformat() / "defects.csv").open(encoding="utf-8") as fh:
        broken = {
            int(d["row_number"])
            for d in csv.DictReader(fh)
            if d["dataset"] == "facilities" and d["severity"] == "error"
        }
    with (night / "moh" / "facilities.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    clean = {row["province_code"] for n, row in enumerate(rows, start=1) if n not in broken}
    assert clean >= set(load().provinces)


def test_a_province_written_in_parts_is_one_whole_file(tmp_path, monkeypatch):
    """A province's visits are made and written `CHUNK` rows at a time: the parts of a CSV
    export make one file (one header, one byte-order mark, every row) and the parts of a
    package one XML document with all its episodes; the truth numbers rows across parts."""
    monkeypatch.setattr(visits, "CHUNK", 3)
    monkeypatch.setattr(population, "CHUNK", 2)  # the streamed provincial exports too
    spec = NightSpec(run_date=RUN_DATE, scale=0.05, seed=1)  # 8 visits a province: 3 parts
    generate(tmp_path, spec, load())
    night = tmp_path / RUN_DATE.isoformat()
    for name in ("deaths", "social_protection", "prescriptions"):  # 5 rows a province: 3 parts
        files = sorted(night.glob(f"p*/{name}.csv"))
        assert len(files) > 20
        for path in files:
            text = _decoded(path.read_bytes())
            assert "\ufeff" not in text and len(text.splitlines()) == 1 + 5, path
    exports = sorted(night.glob("p*/visits.csv"))
    packages = sorted(night.glob("p*/claims.xml"))
    assert len(exports) > 20 and len(packages) >= 8
    for path in exports:
        text = _decoded(path.read_bytes())
        assert "\ufeff" not in text, path
        lines = text.splitlines()
        assert len(lines) == 1 + 8, path
    for path in packages:
        root = ElementTree.parse(path).getroot()
        assert int(root.findtext("THONGTINHOSO/SOLUONGHOSO")) == 8
        assert len(root.findall("THONGTINHOSO/DANHSACHHOSO/HOSO")) == 8
    with (tmp_path / "_truth" / RUN_DATE.isoformat() / "defects.csv").open(encoding="utf-8") as fh:
        planted = [d for d in csv.DictReader(fh) if d["dataset"] == "visits"]
    assert planted and all(1 <= int(d["row_number"]) <= 8 for d in planted)
    assert max(int(d["row_number"]) for d in planted) > 3  # numbered across the parts


def _decoded(data: bytes) -> str:
    """A file's text in whichever of the offices' encodings it is written."""
    if data[:2] == b"\xff\xfe":
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258")
