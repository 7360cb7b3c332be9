"""The one way SQL is written here: run the statements of a package's `sql/*.sql` files.

Values are always bound parameters (`$name` or `?`). An identifier is formatted into SQL
only after `ident` (or `ident_list`) has checked it against an allow-list (the registry's
dataset ids, a dataset's column names, a fixed set of tables): a template's `{...}`
arguments are such identifiers, never expressions. `literal` is for the few statements
DuckDB does not let you parameterise (ATTACH, COPY ... TO a path, COMMENT ON).
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
# What a template argument may be: an identifier or a list of them (`ident`, `ident_list`).
_IDENTIFIERS = re.compile(r"^[a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*$")


def ident(name: str, allowed: Iterable[str]) -> str:
    """`name` as an identifier, if it is one of `allowed` and a plain lower-case name."""
    if name not in set(allowed) or not _IDENTIFIER.match(name):
        raise ValueError(f"identifier {name!r} is not allowed here")
    return name


def ident_list(names: Iterable[str], allowed: Iterable[str]) -> str:
    """`names` as a comma-separated list of identifiers, in the given order, each checked
    by `ident` against `allowed`."""
    allowed = set(allowed)
    out = [ident(n, allowed) for n in names]
    if not out:
        raise ValueError("an empty list of identifiers")
    return ", ".join(out)


def literal(value: str | Path) -> str:
    """A string literal, for the statements that take no parameter (ATTACH, COPY ... TO,
    COMMENT ON, a view's file list): quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def quoted(name: str) -> str:
    """A catalog name read back from DuckDB itself (not from a user), as a quoted
    identifier: quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


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

    def statements(
        self, name: str, *, expressions: dict[str, str] | None = None, **identifiers: str
    ) -> list[str]:
        """The statements of `sql/<name>.sql`, with its `{...}` arguments formatted in.
        `identifiers` must be identifiers or lists of them (from `ident`, `ident_list`);
        `expressions` is for the one select built from checked names
        (`transforms.warehouse.schema.select_core_columns`)."""
        text = _template(self.package, name)
        for key, value in identifiers.items():
            if not _IDENTIFIERS.match(value):
                raise ValueError(f"{name}.sql: {key}={value!r} is not a list of identifiers")
        arguments = {**identifiers, **(expressions or {})}
        if arguments:
            text = text.format(**arguments)
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
        for statement in self.statements(name, expressions=None, **identifiers):
            con.execute(statement, bound(statement, params))

    def fetch(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        params: dict | None = None,
        **identifiers: str,
    ) -> list[tuple]:
        """The rows of the one query of `sql/<name>.sql`."""
        (statement,) = self.statements(name, expressions=None, **identifiers)
        return con.execute(statement, bound(statement, params)).fetchall()

    def fetchone(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        params: dict | None = None,
        **identifiers: str,
    ) -> tuple:
        """The one row of the one query of `sql/<name>.sql`."""
        (row,) = self.fetch(con, name, params, **identifiers)
        return row


def bound(statement: str, params: dict | None) -> dict | None:
    """The parameters of `params` that `statement` uses (DuckDB refuses unused ones)."""
    used = set(_PARAM.findall(statement))
    return {k: v for k, v in (params or {}).items() if k in used} or None


def scalar(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, Any] | list[Any] | None = None,
) -> Any:
    """The first value of the one row `sql` returns (a count, a max, an existence check):
    a query that returns no row is a programming error, not a value.
    The whole result is fetched: DuckDB leaves a result read with `fetchone` pending, and
    the connection's next `register` then fails ("unfinished result")."""
    rows = con.execute(sql, params).fetchall()
    if not rows:
        raise LookupError(f"the query returned no row: {sql}")
    return rows[0][0]


def _only_comments(text: str) -> bool:
    return all(not ln.strip() or ln.strip().startswith("--") for ln in text.splitlines())
