"""The package installs anywhere: a wheel built from the sources alone, installed (not
editable) into a fresh venv with the locked dependencies, runs generate, the night, the
report and the score from a folder that has nothing to do with the checkout.

Everything the code reads (SQL, code lists, targets) must come from the installed package:
a path next to the source tree fails here, not on the first server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.settings import get_current_settings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")  # `make setup` installs uv into the venv first
NIGHT = "2026-11-24"
# What a wheel is built from: the build config, the README it names, and the packages.
SOURCES = ("pyproject.toml", "README.md", "flows", "transforms", "validations", "sample")


def _uv(*args: str | Path, cwd: Path) -> None:
    """A uv command from the cache only (fast, no network); from the index if the cache
    lacks something (a fresh machine whose `make setup` did not need it)."""
    cmd = [str(UV), *map(str, args)]
    if subprocess.run([*cmd, "--offline"], cwd=cwd, capture_output=True).returncode:
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv (no system site-packages, so not the editable checkout) holding the
    wheel and the dependencies of uv.lock; returns its bin folder."""
    assert UV.exists(), f"uv not found next to {sys.executable}: run `make setup`"
    root = tmp_path_factory.mktemp("install")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, src / name)
    _uv("build", "--wheel", "--out-dir", root / "dist", src, cwd=root)
    (wheel,) = (root / "dist").glob("vnhealth_etl-*.whl")

    requirements = root / "requirements.txt"
    subprocess.run(
        [str(UV), "export", "--frozen", "--no-emit-project", "--no-hashes", "--quiet",
         "--output-file", str(requirements)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )  # fmt: skip
    venv = root / "venv"
    _uv("venv", "--quiet", "--python", sys.executable, venv, cwd=root)
    python = venv / "bin" / "python"
    _uv("pip", "install", "--quiet", "--python", python, "-r", requirements, cwd=root)
    _uv("pip", "install", "--quiet", "--python", python, "--no-deps", wheel, cwd=root)
    return venv / "bin"


def test_the_installed_package_runs_a_night_from_anywhere(installed: Path, tmp_path: Path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VNHEALTH_", "PYTHON"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    # The session's Prefect test server: no temporary server to start in the child.
    env["PREFECT_API_URL"] = str(get_current_settings().api.url)
    env["VNHEALTH_PSEUDONYM_KEY"] = "ab" * 32

    def vnhealth(*args: str) -> str:
        done = subprocess.run(
            [str(installed / "vnhealth"), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    # The code comes from the venv's site-packages, not from the checkout.
    where = subprocess.run(
        [str(installed / "python"), "-I", "-c",
         "import flows, transforms, validations, sample; print(transforms.__file__)"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "site-packages" in where and str(REPO) not in where

    generated = vnhealth("generate", "--out", "lz", "--date", NIGHT, "--scale", "0.2")
    assert "planted defects" in generated

    summary = json.loads(
        vnhealth("run", "--landing", "lz", "--date", NIGHT, "--warehouse", "wh/warehouse.duckdb")
    )
    assert summary["status"] == "succeeded"
    assert summary["files"] > 300 and summary["files_rejected"] > 0
    assert summary["rows_in"] == summary["rows_loaded"] + summary["rows_quarantined"]
    assert summary["rows_quarantined"] > 0
    assert (work / "wh" / "warehouse.duckdb").is_file()
    assert (work / "wh" / "restricted" / "restricted.duckdb").is_file()

    written = vnhealth("report", "--warehouse", "wh/warehouse.duckdb", "--out", "rep")
    assert (work / "rep" / f"report_{NIGHT}.html").is_file()
    assert (work / "rep" / f"tien_do_{NIGHT}.xlsx").is_file()
    assert any(line.startswith("rep/feedback/") for line in written.splitlines())

    score = vnhealth(
        "score", "--landing", "lz", "--date", NIGHT, "--warehouse", "wh/warehouse.duckdb"
    )
    assert "(100.00%)" in score.splitlines()[0]  # planted errors quarantined
    assert "(100.00%)" in score.splitlines()[1]  # planted warnings flagged
    assert "clean rows quarantined or flagged: 0" in score
