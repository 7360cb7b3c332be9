"""Usage errors, found before any work starts (CONTRACT §2): each problem is one line that
says what to fix. The CLI prints them and exits 2; the nightly flow raises `UsageError`
with them, before it builds anything. Nothing here imports Prefect or writes a warehouse,
DuckDB is imported only by the checks that read a warehouse, and the dataset descriptions
(pandas) not at all, so that a mistyped command answers in well under a second.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from flows.settings import Settings

# Not a dataset of the registry: the claims package (`<source>/claims[__<part>].xml`),
# which delivers several datasets at once (CONTRACT §2), can be chosen by its file name.
CLAIMS = "claims"
# How many of the latest published nights `report` lists after a date never run.
LATEST_NIGHTS = 5


class UsageError(ValueError):
    """Arguments that cannot work: its message is the lines that say what to fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def nights(first: date, last: date | None = None) -> list[date]:
    """The nights from `first` to `last` (inclusive; just `first` without `last`)."""
    days, day = [], first
    while day <= (last or first):
        days.append(day)
        day += timedelta(days=1)
    return days


def run_problems(
    s: Settings,
    first: date,
    last: date | None = None,
    *,
    sources: Iterable[str] | None = None,
    datasets: Iterable[str] | None = None,
    allow_empty: bool = False,
) -> list[str]:
    """What is wrong with running the nights `first`..`last` from `s.landing` (one line each;
    empty when the run can start). Does not contact Prefect: a key block name is trusted."""
    problems = []
    if last is not None and last < first:
        problems.append(f"--until {last} is before --date {first}: give the last night second")
    problems += _landing_problems(s.landing, nights(first, last), allow_empty)
    problems += _source_problems(s, sources or ())
    problems += _dataset_problems(datasets or ())
    problems += _key_problems(s)
    return problems


def check_run(
    s: Settings,
    first: date,
    last: date | None = None,
    *,
    sources: Iterable[str] | None = None,
    datasets: Iterable[str] | None = None,
    allow_empty: bool = False,
) -> None:
    """Raise `UsageError` if `run_problems` finds any."""
    problems = run_problems(
        s, first, last, sources=sources, datasets=datasets, allow_empty=allow_empty
    )
    if problems:
        raise UsageError(problems)


def _landing_problems(landing: Path, days: list[date], allow_empty: bool) -> list[str]:
    if not landing.exists():
        return [f"landing root {landing} does not exist: check --landing (is it mounted?)"]
    if not landing.is_dir():
        return [f"landing root {landing} is not a folder: check --landing"]
    problems = []
    for day in days:
        night = landing / day.isoformat()
        if not night.is_dir():
            problems.append(
                f"no night folder {night}: check --landing and --date (is the share mounted?)"
            )
        elif not allow_empty and not any(p.is_file() for p in night.rglob("*")):
            problems.append(
                f"night folder {night} holds no file: check the mount, or pass --allow-empty "
                "to publish an empty night on purpose"
            )
    return problems


def _source_problems(s: Settings, sources: Iterable[str]) -> list[str]:
    unknown = sorted(set(sources) - valid_sources(s))
    if not unknown:
        return []
    from transforms import reference

    current = sorted(reference.load(s.reference_dir).provinces)
    return [
        f"unknown --source {', '.join(unknown)}: use moh or p<NN> with a current province "
        f"code ({' '.join(current)}) or a pre-2025 one of the crosswalk"
    ]


def valid_sources(s: Settings) -> set[str]:
    """`moh`, and `pNN` for every current and pre-2025 province code."""
    from transforms import reference

    ref = reference.load(s.reference_dir)
    return {"moh"} | {f"p{code}" for code in (*ref.provinces, *ref.crosswalk)}


def dataset_ids() -> frozenset[str]:
    """The registered dataset ids, from the names of the description modules
    (`validations/datasets/<id>.py`) without importing them: importing the registry imports
    every description and pandas, seconds before a usage error could be reported. A test
    holds that this is `validations.registry.known_dataset_ids()`."""
    folder = resources.files("validations").joinpath("datasets")
    return frozenset(
        entry.name.removesuffix(".py")
        for entry in folder.iterdir()
        if entry.name.endswith(".py") and not entry.name.startswith("_")
    )


def _dataset_problems(datasets: Iterable[str]) -> list[str]:
    valid = dataset_ids() | {CLAIMS}
    unknown = sorted(set(datasets) - valid)
    if not unknown:
        return []
    return [f"unknown --dataset {', '.join(unknown)}: use one of {' '.join(sorted(valid))}"]


def _key_problems(s: Settings) -> list[str]:
    fix = (
        "set VNHEALTH_PSEUDONYM_KEY, VNHEALTH_PSEUDONYM_KEY_FILE or "
        "VNHEALTH_PSEUDONYM_KEY_BLOCK (a Prefect Secret block)"
    )
    try:
        key = s.pseudonym_key_bytes()
    except OSError as exc:
        return [f"cannot read the pseudonymisation key file {s.pseudonym_key_file}: {exc}"]
    if key is None and s.pseudonym_key_block:
        return []  # loaded from Prefect when the night starts
    if not key:
        return [f"no pseudonymisation key: {fix}"]
    return []


def report_problems(warehouse: Path, run_date: date | None) -> list[str]:
    """What is wrong with reporting `run_date` (default: the latest night) from `warehouse`,
    opened read-only."""
    if not warehouse.is_file():
        return [f"no warehouse at {warehouse}: check --warehouse, or run a night first"]
    import duckdb

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            published = [
                d
                for (d,) in con.execute(
                    "SELECT DISTINCT run_date FROM meta.runs WHERE status = 'succeeded' "
                    "ORDER BY run_date DESC"
                ).fetchall()
            ]
    except duckdb.Error as exc:
        return [
            f"{warehouse} is not a vnhealth warehouse ({type(exc).__name__}): check --warehouse"
        ]
    if not published:
        return [f"no night has been published in {warehouse} yet: run one first"]
    if run_date is not None and run_date not in published:
        latest = " ".join(d.isoformat() for d in published[:LATEST_NIGHTS])
        return [f"night {run_date} was never run into {warehouse}: the latest are {latest}"]
    return []


def score_problems(landing: Path, run_date: date, warehouse: Path, restricted: Path) -> list[str]:
    """What is wrong with scoring `run_date` against the generator's ground truth."""
    problems = []
    truth = landing / "_truth" / run_date.isoformat()
    if not truth.is_dir():
        problems.append(
            f"no ground truth at {truth}: score only a night written by `vnhealth generate` "
            "(check --landing and --date)"
        )
    for path, option in ((warehouse, "--warehouse"), (restricted, "--restricted")):
        if not path.is_file():
            problems.append(f"no warehouse at {path}: check {option}, or run the night first")
    return problems


def rerun_command(params: Mapping[str, Any]) -> str:
    """The `vnhealth run` command line that re-runs a night with every parameter it had
    (`params`: the nightly flow's parameters, as Prefect records them)."""
    words = ["vnhealth", "run", "--landing", str(params.get("landing") or "<landing>")]
    words += ["--date", str(params.get("run_date") or "<date>")]
    for name in ("warehouse", "restricted"):
        if params.get(name):
            words += [f"--{name}", str(params[name])]
    for source in params.get("sources") or ():
        words += ["--source", str(source)]
    for dataset in params.get("datasets") or ():
        words += ["--dataset", str(dataset)]
    if params.get("allow_empty"):
        words.append("--allow-empty")
    return shlex.join(words)
