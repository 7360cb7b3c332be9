"""Run the statements of a package's `sql/*.sql` files.

Values are always bound parameters (`$name`). Identifiers are formatted in only after
`ident` has checked them against the registry's names (the allow-list).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_STATEMENT_END = re.compile(r";\s*(?:\n|$)")
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def ident(name: str, allowed: Iterable[str]) -> str:
    """`name` as an identifier, if it is one of `allowed` and a plain lower-case name."""
    if name not in set(allowed) or not _IDENTIFIER.match(name):
        raise ValueError(f"identifier {name!r} is not allowed here")
    return name


def literal(value: str | Path) -> str:
    """A string literal, for the statements that take no parameter (ATTACH, COPY ... TO,
    COMMENT ON, a view's file list): quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


@cache
def _template(package: str, name: str) -> str:
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def params_of(statement: str) -> list[str]:
    """The `$name` parameters a statement uses."""
    return _PARAM.findall(statement)


class SqlFolder:
    """The `sql/` folder of a package, shipped inside it as package data."""

    def __init__(self, package: str) -> None:
        self.package = package

    def statements(self, name: str, **identifiers: str) -> list[str]:
        text = _template(self.package, name)
        if identifiers:
            text = text.format(**identifiers)
        return [
            s.strip() for s in _STATEMENT_END.split(text) if s.strip() and not _only_comments(s)
        ]

    def run(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        params: dict[str, Any] | None = None,
        **identifiers: str,
    ) -> None:
        """Execute every statement of `sql/<name>.sql`, binding the parameters each uses."""
        params = params or {}
        for statement in self.statements(name, **identifiers):
            used = set(_PARAM.findall(statement))
            con.execute(statement, {k: v for k, v in params.items() if k in used} or None)


def scalar(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, Any] | list[Any] | None = None,
) -> Any:
    """The first value of the one row `sql` returns (a count, a max, an existence check):
    a query that returns no row is a programming error, not a value."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise LookupError(f"the query returned no row: {sql}")
    return row[0]


def _only_comments(text: str) -> bool:
    return all(not ln.strip() or ln.strip().startswith("--") for ln in text.splitlines())
