"""Usage errors (CONTRACT §2): found before any work starts, one line on stderr that says
what to fix, exit 2, nothing written, no Prefect; and the failure hook's re-run command."""

from __future__ import annotations

import shlex
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.cli import _parser, main
from flows.settings import Settings
from flows.usage import UsageError, check_run, dataset_ids, rerun_command

NIGHT = "2026-12-02"


@pytest.fixture
def key(monkeypatch):
    for name in ("KEY", "KEY_FILE", "KEY_BLOCK"):
        monkeypatch.delenv(f"VNHEALTH_PSEUDONYM_{name}", raising=False)
    monkeypatch.setenv("VNHEALTH_PSEUDONYM_KEY", "k" * 64)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing root whose night NIGHT holds one file."""
    root = tmp_path / "landing"
    (root / NIGHT / "p01").mkdir(parents=True)
    (root / NIGHT / "p01" / "visits.csv").write_text("MA_LK\n1\n", encoding="utf-8")
    return root


def _usage_error(capsys, tmp_path: Path, *argv: str) -> str:
    """Run the CLI; assert exit 2, quickly, one line on stderr, no traceback, no warehouse
    written; return the line."""
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    extra = ["--warehouse", str(warehouse)] if argv[0] in ("run", "report", "score") else []
    if "--warehouse" in argv:
        extra = []
    started = time.monotonic()
    assert main([*argv, *extra]) == 2
    assert time.monotonic() - started < 5  # well under a second alone; the machine is shared
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert not warehouse.exists() and not warehouse.parent.exists()
    return err


def _run(landing: Path, *more: str) -> list[str]:
    return ["run", "--landing", str(landing), "--date", NIGHT, *more]


def test_a_landing_root_that_is_not_mounted(capsys, tmp_path, key):
    err = _usage_error(capsys, tmp_path, *_run(tmp_path / "not-mounted" / "landing"))
    assert "landing root" in err and "does not exist" in err and "--landing" in err


def test_a_landing_root_that_is_a_file(capsys, tmp_path, key):
    file = tmp_path / "landing.txt"
    file.write_text("", encoding="utf-8")
    err = _usage_error(capsys, tmp_path, *_run(file))
    assert "is not a folder" in err


def test_a_night_folder_that_does_not_exist(capsys, tmp_path, landing, key):
    argv = ["run", "--landing", str(landing), "--date", "2026-12-03"]
    err = _usage_error(capsys, tmp_path, *argv)
    assert "no night folder" in err and "2026-12-03" in err


def test_an_empty_night_folder_needs_allow_empty(capsys, tmp_path, landing, key):
    (landing / "2026-12-03" / "p01").mkdir(parents=True)  # folders, but no file
    err = _usage_error(capsys, tmp_path, "run", "--landing", str(landing), "--date", "2026-12-03")
    assert "holds no file" in err and "--allow-empty" in err


def test_an_empty_night_passes_the_checks_with_allow_empty(tmp_path, landing, key):
    (landing / "2026-12-03").mkdir()
    s = Settings(landing=landing)
    check_run(s, date(2026, 12, 3), allow_empty=True)
    with pytest.raises(UsageError, match="holds no file"):
        check_run(s, date(2026, 12, 3))


def test_an_unknown_dataset_lists_the_valid_ones(capsys, tmp_path, landing, key):
    err = _usage_error(capsys, tmp_path, *_run(landing, "--dataset", "visitz"))
    assert err.startswith("unknown --dataset visitz:")
    assert " visits " in err and " claims " in err and " births " in err


def test_an_unknown_source_lists_the_valid_ones(capsys, tmp_path, landing, key):
    err = _usage_error(capsys, tmp_path, *_run(landing, "--source", "p99", "--source", "moh"))
    assert err.startswith("unknown --source p99:") and "moh" in err and "(01 04 " in err


def test_a_pre_2025_province_code_is_a_valid_source(tmp_path, landing, key):
    # 02 (Hà Giang) merged into 08 (Tuyên Quang) in 2025: no longer current, still valid.
    check_run(Settings(landing=landing), date(2026, 12, 2), sources=["p02", "p08", "moh"])


def test_no_pseudonymisation_key(capsys, tmp_path, landing, key, monkeypatch):
    monkeypatch.delenv("VNHEALTH_PSEUDONYM_KEY")
    err = _usage_error(capsys, tmp_path, *_run(landing))
    assert "no pseudonymisation key" in err and "VNHEALTH_PSEUDONYM_KEY_FILE" in err


def test_a_key_file_that_cannot_be_read(capsys, tmp_path, landing, key, monkeypatch):
    monkeypatch.delenv("VNHEALTH_PSEUDONYM_KEY")
    monkeypatch.setenv("VNHEALTH_PSEUDONYM_KEY_FILE", str(tmp_path / "no-such-key"))
    err = _usage_error(capsys, tmp_path, *_run(landing))
    assert "cannot read the pseudonymisation key file" in err


def test_a_key_block_name_is_trusted_without_contacting_prefect(tmp_path, landing, monkeypatch):
    monkeypatch.delenv("VNHEALTH_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("VNHEALTH_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.setenv("VNHEALTH_PSEUDONYM_KEY_BLOCK", "vnhealth-pseudonym-key")
    check_run(Settings(landing=landing), date(2026, 12, 2))


def test_until_before_date(capsys, tmp_path, landing, key):
    err = _usage_error(capsys, tmp_path, *_run(landing, "--until", "2026-12-01"))
    assert "--until 2026-12-01 is before --date 2026-12-02" in err


def test_a_backfill_needs_every_night_folder(capsys, tmp_path, landing, key):
    err = _usage_error(capsys, tmp_path, *_run(landing, "--until", "2026-12-03"))
    assert "no night folder" in err and "2026-12-03" in err


def test_every_problem_is_reported_at_once(capsys, tmp_path, key):
    argv = _run(tmp_path / "nowhere", "--source", "p99", "--dataset", "visitz")
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["landing", "unknown", "unknown"]


def test_the_checks_do_not_import_prefect_or_the_descriptions(tmp_path, landing, key):
    # In a fresh interpreter: this session has long imported both.
    import subprocess

    code = (
        "import sys; from flows.cli import main; "
        f"rc = main(['run', '--landing', {str(landing)!r}, '--date', '2026-12-09', "
        "'--dataset', 'visitz', '--source', 'p99']); "
        "assert rc == 2, rc; "
        "heavy = sorted(m for m in ('prefect', 'pandas', 'validations.registry') "
        "if m in sys.modules); assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_dataset_ids_are_the_registry_s():
    from validations.registry import known_dataset_ids

    assert dataset_ids() == known_dataset_ids()


def test_report_without_a_warehouse(capsys, tmp_path):
    out = tmp_path / "report"
    err = _usage_error(capsys, tmp_path, "report", "--out", str(out), "--date", "2020-01-01")
    assert "no warehouse at" in err and "--warehouse" in err
    assert not out.exists()


def _warehouse_with_runs(path: Path, nights: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute("CREATE TABLE meta.runs (run_date DATE, status VARCHAR)")
        for night, status in nights.items():
            con.execute("INSERT INTO meta.runs VALUES (?, ?)", [night, status])
    return path


def test_report_for_a_night_never_run_lists_the_latest(capsys, tmp_path):
    warehouse = _warehouse_with_runs(
        tmp_path / "published" / "warehouse.duckdb",
        {"2026-11-24": "succeeded", "2026-11-25": "succeeded", "2026-11-26": "failed"},
    )
    before = warehouse.read_bytes()
    out = tmp_path / "report"
    err = _usage_error(
        capsys,
        tmp_path,
        *["report", "--warehouse", str(warehouse), "--out", str(out), "--date", "2020-01-01"],
    )
    assert "night 2020-01-01 was never run" in err
    assert err.endswith("the latest are 2026-11-25 2026-11-24")  # a failed night is not
    assert warehouse.read_bytes() == before and not out.exists()


def test_score_without_ground_truth(capsys, tmp_path, landing):
    warehouse = _warehouse_with_runs(tmp_path / "published" / "warehouse.duckdb", {})
    warehouse.with_name("restricted.duckdb").write_bytes(b"")
    argv = ["score", "--landing", str(landing), "--date", NIGHT, "--warehouse", str(warehouse)]
    err = _usage_error(capsys, tmp_path, *argv)
    assert "no ground truth at" in err and "_truth" in err


@pytest.mark.parametrize(
    "params, expected",
    [
        (
            {"run_date": "2026-12-02", "landing": "/mnt/lz"},
            "vnhealth run --landing /mnt/lz --date 2026-12-02",
        ),
        (
            {
                "run_date": date(2026, 12, 2),
                "landing": "/mnt/my landing",
                "warehouse": "/wh/warehouse.duckdb",
                "restricted": "/secure/restricted.duckdb",
                "sources": ["p01", "moh"],
                "datasets": ["visits", "births"],
                "allow_empty": True,
            },
            "vnhealth run --landing '/mnt/my landing' --date 2026-12-02 "
            "--warehouse /wh/warehouse.duckdb --restricted /secure/restricted.duckdb "
            "--source p01 --source moh --dataset visits --dataset births --allow-empty",
        ),
        ({}, "vnhealth run --landing '<landing>' --date '<date>'"),
    ],
)
def test_the_rerun_command_keeps_every_parameter(params, expected):
    assert rerun_command(params) == expected


def test_the_rerun_command_parses_back_to_the_same_run():
    params = {
        "run_date": "2026-12-02",
        "landing": "/mnt/lz",
        "sources": ["p01"],
        "datasets": ["visits", "claims"],
    }
    args = _parser().parse_args(shlex.split(rerun_command(params))[1:])
    assert (args.landing, args.date) == (Path("/mnt/lz"), date(2026, 12, 2))
    assert (args.sources, args.datasets, args.allow_empty) == (["p01"], ["visits", "claims"], False)
