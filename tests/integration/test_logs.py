"""The log of `vnhealth run`, read the way an engineer follows a night: a small generated
night through the CLI, its captured stderr checked line by line."""

from __future__ import annotations

import json
import logging
import os
import re
from unittest import mock

import duckdb

from flows import cli
from sample.generate.night import NightSpec, generate
from tests.conftest import RUN_DATE
from transforms.reference import load

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
LINE = re.compile(rf"^({STAMP}) (INFO|WARNING|ERROR|CRITICAL)\s+(\S+): (.*)$")


def _run_cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    """`vnhealth run` in this process; the environment, the root logger and Prefect's
    task-run logger are as they were afterwards."""
    root, task_runs = logging.getLogger(), logging.getLogger("prefect.task_runs")
    levels = root.level, task_runs.level
    try:
        with mock.patch.dict(os.environ, {"VNHEALTH_PROGRESS_SECONDS": "0.5"}):
            code = cli.main(argv)
    finally:
        for handler in [h for h in root.handlers if isinstance(h.formatter, cli._LogFormatter)]:
            root.removeHandler(handler)
        root.setLevel(levels[0])
        task_runs.setLevel(levels[1])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_night_logs_what_an_engineer_needs(tmp_path, capsys):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "warehouse.duckdb"
    generate(landing, NightSpec(run_date=RUN_DATE, scale=0.2, seed=3), load())
    capsys.readouterr()
    argv = ["run", "--landing", str(landing), "--date", RUN_DATE.isoformat()]
    code, out, err = _run_cli(capsys, [*argv, "--warehouse", str(warehouse)])
    assert code == 0, err
    summary = json.loads(out)

    # Every line of the night's flow run has a date and time, a level and its origin.
    ours = [line for line in err.splitlines() if "vnhealth-nightly/" in line]
    assert ours and all(LINE.match(line) for line in ours), ours[:3]
    messages = [(m[2], m[4]) for line in err.splitlines() if (m := LINE.match(line))]
    texts = [text for _, text in messages]

    # No line per task run: only the flow's own start and end lines.
    finished = [(level, text) for level, text in messages if "Finished in state" in text]
    assert finished == [("INFO", "Finished in state Completed()")]
    assert "Finished in state" not in "\n".join(
        line for line in err.splitlines() if "vnhealth-nightly/" not in line
    )
    assert "telemetry" not in err.lower()

    # One staged and one finished line per dataset that had files to stage.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files = con.execute("SELECT source_file, dataset, status, error FROM meta.files").fetchall()
    loaded_datasets = {ds for _, ds, status, _ in files if status == "loaded"}
    staged = [re.match(r"staged (\w+): ", t) for t in texts]
    done = [
        re.match(r"finished (\w+): .* rows in (\d+) = loaded (\d+) \+ quarantined (\d+)", t)
        for t in texts
    ]
    staged_ids = [m[1] for m in staged if m]
    done_ids = [m[1] for m in done if m]
    assert sorted(staged_ids) == sorted(set(staged_ids)) == sorted(done_ids)
    assert loaded_datasets <= set(staged_ids)
    for m in done:
        if m:
            assert int(m[2]) == int(m[3]) + int(m[4]), m[0]
    assert sum(int(m[2]) for m in done if m) == summary["rows_in"]
    assert any(t.startswith("staging: bundles done ") for t in texts)

    # Every rejected file is named, with its reason, at WARNING.
    rejected = [(f, error) for f, _, status, error in files if status == "rejected"]
    assert len(rejected) >= 4
    warnings = [text for level, text in messages if level == "WARNING"]
    for source_file, error in rejected:
        english = error.split(" | ", 1)[-1]
        assert f"rejected {source_file}: {english}" in warnings, source_file

    # One summary line at the end, whose numbers add up and say where the warehouse is.
    last = [t for t in texts if t.startswith(f"night {RUN_DATE} published")]
    assert len(last) == 1
    m = re.search(
        r"files (\d+) = loaded (\d+) \+ rejected (\d+) \+ duplicate (\d+), "
        r"rows in (\d+) = loaded (\d+) \+ quarantined (\d+); warehouse (\S+),",
        last[0],
    )
    assert m, last[0]
    n = [int(x) for x in m.groups()[:7]]
    assert n[0] == n[1] + n[2] + n[3] == summary["files"]
    assert n[2] == len(rejected) == summary["files_rejected"]
    assert n[4] == n[5] + n[6] == summary["rows_in"] > 0
    assert m[8] == str(warehouse)
