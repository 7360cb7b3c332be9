"""The one SQL helper: identifiers only from an allow-list, values bound."""

from __future__ import annotations

import duckdb
import pytest

from transforms import sqlfiles
from transforms.warehouse.schema import key_columns, key_list
from validations.registry import DATASETS


def test_ident_accepts_an_allowed_plain_name_only():
    assert sqlfiles.ident("visits", DATASETS) == "visits"
    with pytest.raises(ValueError, match="not allowed"):
        sqlfiles.ident("visits; DROP TABLE x", ["visits; DROP TABLE x"])
    with pytest.raises(ValueError, match="not allowed"):
        sqlfiles.ident("not_a_dataset", DATASETS)


def test_ident_list_keeps_the_order_and_checks_each_name():
    assert sqlfiles.ident_list(["b", "a"], ["a", "b"]) == "b, a"
    with pytest.raises(ValueError):
        sqlfiles.ident_list(["a", "c"], ["a", "b"])
    with pytest.raises(ValueError):
        sqlfiles.ident_list([], ["a"])


def test_literal_doubles_quotes():
    assert sqlfiles.literal("it's") == "'it''s'"


def test_template_arguments_must_be_identifiers():
    folder = sqlfiles.SqlFolder("transforms.warehouse")
    with pytest.raises(ValueError, match="not a list of identifiers"):
        folder.statements("int_file_outcomes", dataset="visits WHERE true")
    (statement,) = folder.statements("int_file_outcomes", dataset="visits")
    assert "stg_visits" in statement


def test_key_presence_and_key_text_as_the_sql_files_write_them():
    """`COLUMNS($key) IS NOT NULL` holds when every key column is given (AND), and
    `concat_ws('|', {key})` joins them in key order as text."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (b VARCHAR, a DATE)")
    con.execute(
        "INSERT INTO t VALUES ('x', DATE '2026-01-02'), (NULL, DATE '2026-01-03'), ('y', NULL)"
    )
    present = con.execute("SELECT b FROM t WHERE COLUMNS($key) IS NOT NULL", {"key": ["a", "b"]})
    assert present.fetchall() == [("x",)]
    text = con.execute(
        f"SELECT concat_ws('|', {sqlfiles.ident_list(['a', 'b'], ['a', 'b'])}) FROM t"
    )
    assert [r[0] for r in text.fetchall()] == ["2026-01-02|x", "2026-01-03", "y"]


def test_every_dataset_has_a_key_that_can_be_joined():
    for ds in DATASETS.values():
        assert key_list(ds) == ", ".join(key_columns(ds))
