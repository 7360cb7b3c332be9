"""Run the statements of `transforms/sql/*.sql`.

Values are always bound parameters (`$name`). Identifiers are formatted in only after
`ident` has checked them against the registry's names (the allow-list).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parent / "sql"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_STATEMENT_END = re.compile(r";\s*(?:\n|$)")
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def ident(name: str, allowed: Iterable[str]) -> str:
    """`name` as an identifier, if it is one of `allowed` and a plain lower-case name."""
    if name not in set(allowed) or not _IDENTIFIER.match(name):
        raise ValueError(f"identifier {name!r} is not allowed here")
    return name


@cache
def _template(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def statements(name: str, **identifiers: str) -> list[str]:
    text = _template(name).format(**identifiers) if identifiers else _template(name)
    return [s.strip() for s in _STATEMENT_END.split(text) if s.strip() and not _only_comments(s)]


def params_of(statement: str) -> list[str]:
    """The `$name` parameters a statement uses."""
    return _PARAM.findall(statement)


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, **identifiers):
    """Execute every statement of `sql/<name>.sql`, binding the parameters each one uses."""
    params = params or {}
    for statement in statements(name, **identifiers):
        used = set(_PARAM.findall(statement))
        con.execute(statement, {k: v for k, v in params.items() if k in used} or None)


def _only_comments(text: str) -> bool:
    return all(not ln.strip() or ln.strip().startswith("--") for ln in text.splitlines())
