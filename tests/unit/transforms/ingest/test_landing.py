"""Discovery of the night's files: only regular files inside the night are read; every other
entry (a link, a FIFO, a device, a nested folder, a linked source folder or night) is
listed as rejected with its reason, never opened or followed; names that are not UTF-8
are rejected with their bytes escaped; a file too large is rejected before it is hashed."""

from __future__ import annotations

import os
import stat
import time
from datetime import date
from pathlib import Path

import pytest

from transforms import reference
from transforms.ingest import landing
from validations import registry

RUN_DATE = date(2026, 11, 24)
NIGHT = RUN_DATE.isoformat()


@pytest.fixture(scope="module")
def ref():
    return reference.load(None)


def discover(root: Path, ref, **kw) -> dict[str, tuple[str | None, str | None]]:
    """source_file -> (rejection code, English reason) of every entry discovered."""
    found = landing.discover(root, RUN_DATE, ref, registry.delivered_by(), **kw)
    return {
        lf.source_file: (lf.rejection.code, lf.rejection.en) if lf.rejection else (None, None)
        for lf in found
    }


def night(root: Path) -> Path:
    p01 = root / NIGHT / "p01"
    p01.mkdir(parents=True)
    (p01 / "visits.csv").write_text("visit_id\nV1\n", encoding="utf-8")
    return p01


def test_links_fifos_devices_and_folders_are_listed_as_rejected(tmp_path, ref):
    root = tmp_path / "landing"
    p01 = night(root)
    outside = tmp_path / "secret.csv"
    outside.write_text("visit_id\nS1\n", encoding="utf-8")
    other = root / "2026-11-23" / "p01"
    other.mkdir(parents=True)
    (other / "visits.csv").write_text("visit_id\nO1\n", encoding="utf-8")
    (p01 / "visits__inside.csv").symlink_to("visits.csv")
    (p01 / "visits__outside.csv").symlink_to(outside)
    (p01 / "visits__night.csv").symlink_to(Path("../../2026-11-23/p01/visits.csv"))
    (p01 / "visits__dangling.csv").symlink_to(tmp_path / "nothing.csv")
    os.mkfifo(p01 / "visits__fifo.csv")
    (p01 / "visits__folder.csv").mkdir()
    (p01 / "visits__folder.csv" / "inner.csv").write_text("x\n", encoding="utf-8")
    linked = tmp_path / "p02"
    linked.mkdir()
    (linked / "visits.csv").write_text("visit_id\nL1\n", encoding="utf-8")
    (root / NIGHT / "p02").symlink_to(linked)

    began = time.monotonic()  # a FIFO opened for reading would block here
    found = discover(root, ref)
    assert time.monotonic() - began < 5

    link = "is a symbolic link, not a regular file: not opened, not read"
    assert found == {
        f"{NIGHT}/p01/visits.csv": (None, None),
        f"{NIGHT}/p01/visits__dangling.csv": (
            "not_regular",
            f"'{NIGHT}/p01/visits__dangling.csv' {link}",
        ),
        f"{NIGHT}/p01/visits__fifo.csv": (
            "not_regular",
            f"'{NIGHT}/p01/visits__fifo.csv' is a FIFO (named pipe), not a regular file: "
            "not opened, not read",
        ),
        f"{NIGHT}/p01/visits__folder.csv": (
            "not_regular",
            f"'{NIGHT}/p01/visits__folder.csv' is a folder, not a regular file: not opened, "
            "not read",
        ),
        f"{NIGHT}/p01/visits__folder.csv/inner.csv": found[
            f"{NIGHT}/p01/visits__folder.csv/inner.csv"
        ],
        f"{NIGHT}/p01/visits__inside.csv": (
            "not_regular",
            f"'{NIGHT}/p01/visits__inside.csv' {link}",
        ),
        f"{NIGHT}/p01/visits__night.csv": (
            "not_regular",
            f"'{NIGHT}/p01/visits__night.csv' {link}",
        ),
        f"{NIGHT}/p01/visits__outside.csv": (
            "not_regular",
            f"'{NIGHT}/p01/visits__outside.csv' {link}",
        ),
        f"{NIGHT}/p02": ("not_regular", f"'{NIGHT}/p02' {link}"),
    }
    # A file inside a folder where a file is expected is outside the layout, as before.
    assert found[f"{NIGHT}/p01/visits__folder.csv/inner.csv"][0] == "outside_layout"


def test_a_device_is_listed_as_rejected(tmp_path, ref):
    root = tmp_path / "landing"
    p01 = night(root)
    try:
        os.mknod(p01 / "visits__null.csv", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError:
        pytest.skip("no CAP_MKNOD: a device cannot be made here")
    assert discover(root, ref)[f"{NIGHT}/p01/visits__null.csv"][0] == "not_regular"


def test_a_linked_night_folder_is_not_followed(tmp_path, ref):
    root = tmp_path / "landing"
    elsewhere = tmp_path / "elsewhere"
    night(elsewhere)
    root.mkdir()
    (root / NIGHT).symlink_to(elsewhere / NIGHT)
    assert discover(root, ref) == {
        NIGHT: (
            "not_regular",
            f"'{NIGHT}' is a symbolic link, not a regular file: not opened, not read",
        )
    }


def test_a_name_that_is_not_utf8_is_rejected_with_its_bytes_escaped(tmp_path, ref):
    root = tmp_path / "landing"
    p01 = night(root)
    with open(os.path.join(os.fsencode(p01), b"visits__\xff\xfe.csv"), "wb") as fh:
        fh.write(b"visit_id\nV1\n")
    os.mkdir(os.path.join(os.fsencode(root / NIGHT), b"p\xe902"))
    with open(os.path.join(os.fsencode(root / NIGHT), b"p\xe902", b"visits.csv"), "wb") as fh:
        fh.write(b"visit_id\nV1\n")

    found = discover(root, ref)

    bad = f"{NIGHT}/p01/visits__\\xff\\xfe.csv"
    assert found[bad] == (
        "bad_name",
        f"The file or folder name is not UTF-8 (odd bytes shown as \\xNN): '{bad}'; "
        "rename it in Unicode",
    )
    assert found[f"{NIGHT}/p\\xe902/visits.csv"][0] == "bad_name"
    for name in found:
        name.encode("utf-8")  # every name can be stored


def test_a_file_too_large_is_rejected_before_it_is_read(tmp_path, ref):
    root = tmp_path / "landing"
    p01 = night(root)
    huge = p01 / "visits__huge.csv"
    huge.write_text("visit_id\nV1\n", encoding="utf-8")
    os.truncate(huge, 20 * 1024**3)  # sparse: 20 GB to whoever would read it
    began = time.monotonic()
    found = discover(root, ref, max_bytes=2 * 1024**3)
    assert time.monotonic() - began < 1
    assert found[f"{NIGHT}/p01/visits__huge.csv"] == (
        "too_large",
        "The file is too large (21,474,836,480 bytes, limit 2,147,483,648 bytes)",
    )
    assert found[f"{NIGHT}/p01/visits.csv"] == (None, None)


def test_the_hash_never_follows_a_link(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("x\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(target)
    assert len(landing.sha256(target)) == 64
    with pytest.raises(OSError):
        landing.sha256(tmp_path / "link.csv")


@pytest.mark.parametrize(
    ("only", "package", "others"),
    [
        ({"claims"}, {"visits", "visit_drugs", "visit_services"}, set()),
        ({"visit_drugs"}, {"visits", "visit_drugs"}, {"visit_drugs"}),
        ({"visit_services", "births"}, {"visits", "visit_services"}, {"births"}),
        ({"visits"}, {"visits"}, {"visits"}),
        ({"births"}, set(), {"births"}),
    ],
)
def test_a_claims_package_brings_the_visits_of_its_lines(tmp_path, ref, only, package, others):
    """Chosen by its name, a package gives all its datasets; chosen for a line dataset, also
    its visits (a line is judged with its visit's fate); files of one dataset alone are
    chosen as they are."""
    root = tmp_path / "landing"
    p01 = night(root)
    (p01 / "claims.xml").write_text("<GIAMDINHHS/>", encoding="utf-8")
    (p01 / "visit_drugs.csv").write_text("visit_id\nV1\n", encoding="utf-8")
    (p01 / "births.csv").write_text("birth_id\nB1\n", encoding="utf-8")
    found = landing.discover(root, RUN_DATE, ref, registry.delivered_by(), only_datasets=only)
    assert {lf.dataset for lf in found if lf.path.name == "claims.xml"} == package
    assert {lf.dataset for lf in found if lf.path.name != "claims.xml"} == others
