"""The descriptions file and the reference tables, on the warehouse's own DDL in memory."""

from __future__ import annotations

import duckdb
import pytest

from transforms import sqlfiles
from transforms.reference import load
from transforms.warehouse import describe


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS wh")
    sqlfiles.SqlFolder("transforms.warehouse").run(con, "ddl_warehouse")
    sqlfiles.SqlFolder("transforms.scoring").run(con, "trends_ddl")
    return con


def test_the_file_has_both_languages_once_per_column() -> None:
    rows = describe.descriptions()
    keys = [(d.schema, d.table, d.column) for d in rows]
    assert len(keys) == len(set(keys))
    assert all(d.vi.strip() and d.en.strip() for d in rows)
    assert {d.schema for d in rows} == set(describe.DESCRIBED_SCHEMAS)


def test_every_column_of_the_ddl_is_described(con: duckdb.DuckDBPyConnection) -> None:
    describe.write_reference(con, load())
    con.execute(
        "INSERT INTO wh.dq.rules VALUES ('r1', 'visits', 'kcb', 'clean', 'error', 'row', "
        "['x'], 'Sai', 'Wrong')"
    )
    describe.write_reference(con, load())
    assert describe.comment_all(con) == []
    assert con.execute(
        "SELECT comment FROM duckdb_columns() WHERE database_name = 'wh' "
        "AND schema_name = 'meta' AND table_name = 'files' AND column_name = 'error'"
    ).fetchone() == (
        "Lý do từ chối tệp (tiếng Việt | tiếng Anh) | Why the file was rejected "
        "(Vietnamese | English)",
    )
    assert con.execute(
        "SELECT rule_id, criterion_vi, severity_vi FROM wh.ref.rules"
    ).fetchall() == [("r1", "Sạch", "Lỗi")]
    assert con.execute(
        "SELECT name_vi, name_en, province_code FROM wh.ref.communes WHERE commune_code = '00070'"
    ).fetchone() == ("Phường Hoàn Kiếm", "Phuong Hoan Kiem", "01")


@pytest.mark.parametrize(
    ("name", "plain"),
    [("Thành phố Hồ Chí Minh", "Thanh pho Ho Chi Minh"), ("Đắk Lắk", "Dak Lak")],
)
def test_names_without_diacritics(name: str, plain: str) -> None:
    assert describe.without_diacritics(name) == plain
