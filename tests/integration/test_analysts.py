"""What an analyst gets, on a generated night: every query of docs/analysts.md runs and
returns its columns; every table and column of meta, dq, progress and ref describes itself;
the reference tables are complete; the data folder, copied elsewhere with the original
renamed away, opens from another working directory in Python and in the DuckDB 1.5 CLI of
the package index, and a copy never reads the original's files."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.cli import main as cli
from sample.generate.night import NightSpec, generate
from tests.integration.conftest import run_night
from transforms.reference import load
from transforms.warehouse import describe
from validations.databases import DATABASES
from validations.registry import DATASETS

NIGHT = date(2026, 11, 24)
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
_BLOCK = re.compile(r"```sql\n(.*?)```", re.S)
_COLUMNS = re.compile(r"^-- columns: (.*)$", re.M)


def guide_queries() -> list[tuple[str, list[str]]]:
    """(query, expected columns) of every ```sql block of the guide."""
    out = []
    for block in _BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        columns = _COLUMNS.search(block)
        assert columns, f"a query of the guide names no columns:\n{block}"
        out.append((block, [c.strip() for c in columns.group(1).split(",")]))
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A small generated night published into `<tmp>/data/`; returns the data folder."""
    root = tmp_path_factory.mktemp("analysts")
    landing = root / "landing"
    generate(landing, NightSpec(run_date=NIGHT, scale=0.05, seed=5), load())
    folder = root / "data"
    run_night(landing, NIGHT, folder / "warehouse.duckdb")
    return folder


def _relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view an analyst sees in the file."""
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal "
            "AND database_name = current_database() UNION ALL SELECT schema_name, view_name "
            "FROM duckdb_views() WHERE NOT internal AND database_name = current_database() "
            "ORDER BY 1, 2"
        ).fetchall()
    ]


def test_every_guide_query_answers(data: Path) -> None:
    queries = guide_queries()
    assert len(queries) >= 13  # the column dictionary and at least 12 questions
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        for query, columns in queries:
            result = con.execute(query)
            assert [d[0] for d in result.description] == columns, query
            rows = result.fetchall()
            assert rows, f"no rows:\n{query}"
            if "adds_up" in columns:
                assert all(r[columns.index("adds_up")] for r in rows)


def test_every_table_and_column_explains_itself(data: Path) -> None:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        missing = con.execute(
            "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE list_contains(?, schema_name) AND (comment IS NULL OR comment = '')",
            [list(describe.DESCRIBED_SCHEMAS)],
        ).fetchall()
        assert missing == []
        tables = con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() "
            "WHERE list_contains(?, schema_name)",
            [list(describe.DESCRIBED_SCHEMAS)],
        ).fetchall()
        assert {t for _, t, c in tables if not c} == set()
        # Vietnamese first, then English.
        (runs,) = [c for s, t, c in tables if (s, t) == ("meta", "runs")]
        assert runs.startswith("Mỗi lần chạy") and " | One row per nightly run" in runs
        # The analysts' listing holds no internal table: a core view types itself and
        # carries its description, its tombstones are segments (meta.segments).
        listed = con.execute("SELECT schema, name FROM (SHOW ALL TABLES)").fetchall()
        store = {n for s, n in listed if s == "store"}
        assert store == set(), store
        views = con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'core'"
        ).fetchall()
        assert {v for v, _ in views} == set(DATASETS) and all(c for _, c in views)
        core = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = 'core' AND comment IS NOT NULL"
        ).fetchall()
        doubled = [
            (t, c, text)
            for t, c, text in core
            if len(re.findall(r"\([^()]+\)", text)) != len(set(re.findall(r"\([^()]+\)", text)))
        ]
        assert core and doubled == []
        ref = load()
        counts = dict(
            con.execute(
                "SELECT 'provinces', count(*) FROM ref.provinces UNION ALL "
                "SELECT 'communes', count(*) FROM ref.communes UNION ALL "
                "SELECT 'databases', count(*) FROM ref.databases UNION ALL "
                "SELECT 'datasets', count(*) FROM ref.datasets UNION ALL "
                "SELECT 'rules', count(*) FROM ref.rules UNION ALL "
                "SELECT 'dq_rules', count(*) FROM dq.rules"
            ).fetchall()
        )
        assert counts["provinces"] == len(ref.provinces) == 34
        assert counts["communes"] == len(ref.communes)
        assert counts["databases"] == len(DATABASES)
        assert counts["datasets"] == len(DATASETS)
        assert counts["rules"] == counts["dq_rules"] > 0
        assert con.execute(
            "SELECT name_vi, name_en FROM ref.provinces WHERE province_code = '01'"
        ).fetchone() == ("Thành phố Hà Nội", "Thanh pho Ha Noi")


def _cli() -> str:
    found = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert found, "the duckdb CLI of the dev dependencies (duckdb-cli) is not installed"
    return found


def _cli_counts(relations: list[str], args: list[str], cwd: Path) -> dict[str, int]:
    """The rows of each relation, counted by the DuckDB 1.5 CLI run with `args` in `cwd`."""
    out = subprocess.run(
        [_cli(), "-readonly", "-csv", "-noheader", *args],
        input="".join(f"SELECT '{r}', count(*) FROM {r};\n" for r in relations),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return {name: int(n) for name, n in (line.split(",") for line in out.stdout.split())}


def test_a_copied_folder_works_elsewhere_and_never_reads_the_original(
    data: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "elsewhere" / "data"
    shutil.copytree(data, copy)
    other_cwd = tmp_path / "cwd"
    other_cwd.mkdir()

    # While the original is still there, the copy refuses to read it and says what to do.
    with (
        duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True) as con,
        pytest.raises(duckdb.Error, match="Tệp này đã được sao chép.*vnhealth_data"),
    ):
        con.execute("SELECT count(*) FROM core.visits").fetchall()

    moved = data.with_name("data-renamed-away")
    data.rename(moved)
    try:
        with duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True) as con:
            with pytest.raises(duckdb.Error, match="warehouse.segments"):
                con.execute("SELECT count(*) FROM core.visits").fetchall()
            con.execute("SET VARIABLE vnhealth_data = ?", [str(copy)])
            relations = _relations(con)
            counts = {r: con.execute(f"SELECT count(*) FROM {r}").fetchone()[0] for r in relations}
        assert {f"core.{d}" for d in DATASETS} <= set(counts)
        assert counts["core.visits"] > 0 and counts["ref.communes"] > 3000

        # The DuckDB 1.5 CLI, from another working directory, with a relative folder.
        folder = Path("..") / "elsewhere" / "data"
        cli_counts = _cli_counts(
            relations,
            ["-cmd", f"SET VARIABLE vnhealth_data = '{folder}'", str(folder / "warehouse.duckdb")],
            other_cwd,
        )
        assert cli_counts == counts

        # Or, where `vnhealth` is installed, relinked once: nothing to set any more.
        assert cli(["relink", "--warehouse", str(copy / "warehouse.duckdb")]) == 0
        with duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True) as con:
            assert (
                con.execute("SELECT count(*) FROM core.visits").fetchone()[0]
                == counts["core.visits"]
            )
        with duckdb.connect(str(copy / "restricted.duckdb"), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM quarantine.rows").fetchone()[0] > 0
    finally:
        moved.rename(data)


def test_an_export_needs_nothing_set_anywhere(data: Path, tmp_path: Path) -> None:
    """`vnhealth export` writes every table and view as a table into one file that opens
    with nothing set, in Python and the DuckDB 1.5 CLI, after the data folder is gone."""
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        relations = _relations(con)
        counts = {r: con.execute(f"SELECT count(*) FROM {r}").fetchone()[0] for r in relations}
        described = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE comment IS NOT NULL "
            "AND database_name = current_database()"
        ).fetchone()[0]
    out = tmp_path / "usb" / "warehouse.duckdb"
    assert cli(["export", "--warehouse", str(data / "warehouse.duckdb"), "--out", str(out)]) == 0

    moved = data.with_name("data-gone-away")
    data.rename(moved)
    try:
        with duckdb.connect(str(out), read_only=True) as con:
            assert _relations(con) == relations
            assert {
                r: con.execute(f"SELECT count(*) FROM {r}").fetchone()[0] for r in relations
            } == counts
            assert not con.execute(
                "SELECT count(*) FROM duckdb_views() WHERE NOT internal "
                "AND database_name = current_database()"
            ).fetchone()[0]
            assert (
                con.execute(
                    "SELECT count(*) FROM duckdb_columns() WHERE comment IS NOT NULL "
                    "AND database_name = current_database()"
                ).fetchone()[0]
                == described
            )
        assert counts["core.visits"] > 0
        assert _cli_counts(relations, [str(Path("usb") / "warehouse.duckdb")], tmp_path) == counts
    finally:
        moved.rename(data)


def test_the_published_file_opens_in_the_duckdb_1_5_cli(data: Path) -> None:
    out = subprocess.run(
        [_cli(), "-readonly", "-csv", "-noheader", str(data / "warehouse.duckdb")],
        input="SELECT count(*) FROM core.visits;\nSELECT count(*) FROM ref.provinces;\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    visits, provinces = (int(x) for x in out.stdout.split())
    assert visits > 0 and provinces == 34
