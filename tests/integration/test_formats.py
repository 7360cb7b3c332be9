"""A night with every format provinces and ministry units really send, and every kind of
bad file: the real flow runs, then the warehouse is checked as an analyst and an engineer
would see it. Good rows are loaded (or quarantined for the planted reason), bad files are
rejected with one reason each, untouched, and nothing is lost."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.factories import facility_row, visit_row
from tests.unit.transforms.ingest.test_readers_csv import to_cp1258
from tests.unit.transforms.ingest.test_readers_xlsx import template_row, write_template
from tests.unit.transforms.ingest.test_readers_xml import claims_envelope, claims_row
from transforms.ingest.readers.sniff import OLE_MAGIC

pytestmark = pytest.mark.integration

RUN_DATE = date(2026, 11, 24)
MAX_FILE_BYTES = 400_000
MAX_EXPANDED_BYTES = 5_000_000

# Claims tags for the CSV exports that use them as headers.
TAG_OF = {
    "visit_id": "MA_LK",
    "facility_code": "MA_CSKCB",
    "patient_id": "SO_CCCD",
    "patient_name": "HO_TEN",
    "birth_date": "NGAY_SINH",
    "sex": "GIOI_TINH",
    "insurance_card": "MA_THE_BHYT",
    "visit_type": "MA_LOAI_KCB",
    "admitted_at": "NGAY_VAO",
    "discharged_at": "NGAY_RA",
    "icd10_main": "MA_BENH_CHINH",
    "icd10_secondary": "MA_BENH_KT",
    "total_cost": "T_TONGCHI_BV",
    "insurance_paid": "T_BHTT",
    "other_paid": "T_NGUONKHAC",
    "province_code": "MATINH_CU_TRU",
    "commune_code": "MAXA_CU_TRU",
    "updated_at": "Ngày cập nhật",
}


def csv_bytes(
    rows: list[dict[str, str]], *, sep: str = ",", encoding: str = "utf-8", nfd: bool = False
) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=sep, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    text = unicodedata.normalize("NFD", buf.getvalue()) if nfd else buf.getvalue()
    return to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)


def as_claims_headers(row: dict[str, str]) -> dict[str, str]:
    """A visit with XML1 tags as headers and patient_paid split into T_BNCCT + T_BNTT."""
    paid = float(row["patient_paid"])
    out = {TAG_OF[k]: v for k, v in row.items() if k in TAG_OF}
    return {**out, "T_BNCCT": f"{paid * 0.75:.0f}", "T_BNTT": f"{paid * 0.25:.0f}"}


def zip_bomb(good: Path, out: Path) -> Path:
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/media/image1.bin", b"\0" * (MAX_EXPANDED_BYTES * 2))
    return out


def build_landing(root: Path) -> dict[str, dict]:
    """The night's files and, for each, what must come of it."""
    night = root / RUN_DATE.isoformat()
    moh, p01 = night / "moh", night / "p01"
    moh.mkdir(parents=True)
    p01.mkdir()
    expect: dict[str, dict] = {}

    def put(folder: Path, name: str, data: bytes, **outcome) -> Path:
        path = folder / name
        path.write_bytes(data)
        expect[path.relative_to(root).as_posix()] = outcome
        return path

    # -- good files -------------------------------------------------------------------------
    facilities = [
        facility_row(),
        facility_row(
            facility_code="01002",
            facility_name="Trạm y tế phường Hoàn Kiếm",
            facility_type="trạm y tế",
            beds="0",
            updated_at="20/11/2026",
        ),
    ]
    put(
        moh,
        "facilities.csv",
        csv_bytes(facilities, sep=";", encoding="utf-8-sig", nfd=True),
        status="loaded",
        loaded=2,
        quarantined=0,
    )

    plain = [visit_row(visit_id=f"CSV{i}") for i in range(3)]
    plain[0]["Ghi chú"] = "tái khám"  # a column the dataset does not have
    plain[1]["Ghi chú"] = ""
    plain[2]["Ghi chú"] = ""
    plain.append(visit_row(visit_id="CSV_BAD", birth_date="31/02/1990", **{"Ghi chú": ""}))
    put(
        p01,
        "visits__plain.csv",
        csv_bytes(plain),
        status="loaded",
        loaded=3,
        quarantined=1,
        rules={"CSV_BAD": "visits.birth_date.format"},
    )

    utf16 = [
        as_claims_headers(
            visit_row(visit_id=f"U16_{i}", total_cost="1.000.000,00", insurance_paid="800.000")
        )
        for i in range(2)
    ]
    put(
        p01,
        "visits__his.csv",
        csv_bytes(utf16, sep="\t", encoding="utf-16"),
        status="loaded",
        loaded=2,
        quarantined=0,
    )

    legacy = [
        visit_row(
            visit_id=f"W1258_{i}",
            patient_name="Trần Thị Bích Ngọc",
            birth_date="17/05/1990",
            admitted_at="20/11/2026 08:30",
        )
        for i in range(2)
    ]
    put(
        p01,
        "visits__legacy.csv",
        csv_bytes(legacy, sep=";", encoding="cp1258", nfd=True),
        status="loaded",
        loaded=2,
        quarantined=0,
    )

    xlsx_rows = [template_row(i, MA_LK=f"XLSX{i}") for i in range(1, 4)]
    xlsx_rows[2]["MA_BENH_CHINH"] = "XYZ"
    template = write_template(p01 / "visits__template.xlsx", xlsx_rows)
    expect[template.relative_to(root).as_posix()] = dict(
        status="loaded", loaded=2, quarantined=1, rules={"XLSX3": "visits.icd10_main.format"}
    )

    records = [visit_row(visit_id=f"JSON{i}") for i in range(2)]
    records[0]["details"] = {"ward": "Nội tổng hợp", "beds": [1, 2]}
    put(
        p01,
        "visits__api.json",
        json.dumps({"count": 2, "data": records}, ensure_ascii=False).encode(),
        status="loaded",
        loaded=2,
        quarantined=0,
    )

    put(
        p01,
        "visits__claims.xml",
        claims_envelope([claims_row(1, MA_LK="XML1"), claims_row(2, MA_LK="XML2")]),
        status="loaded",
        loaded=2,
        quarantined=0,
    )

    # -- bad files --------------------------------------------------------------------------
    put(p01, "visits__empty.csv", b"", status="rejected", code="empty")
    put(
        p01,
        "visits__header_only.csv",
        b"MA_LK,MA_CSKCB,SO_CCCD\r\n",
        status="rejected",
        code="empty",
    )
    missing = [{k: v for k, v in visit_row(visit_id="MISS").items() if k != "patient_id"}]
    put(
        p01,
        "visits__missing.csv",
        csv_bytes(missing),
        status="rejected",
        code="missing_columns",
        says="patient_id",
    )
    put(p01, "visits__renamed.xlsx", csv_bytes(plain), status="rejected", code="wrong_format")
    put(
        p01,
        "visits__portal.xlsx",
        b"<!DOCTYPE html><html><body><table><tr><td>MA_LK</td></tr></table></body></html>",
        status="rejected",
        code="wrong_format",
    )
    whole = template.read_bytes()
    put(p01, "visits__cut.xlsx", whole[: len(whole) // 2], status="rejected", code="corrupt")
    put(
        p01,
        "visits__locked.xlsx",
        OLE_MAGIC + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 2048,
        status="rejected",
        code="encrypted",
    )
    bomb = zip_bomb(template, p01 / "visits__bomb.xlsx")
    expect[bomb.relative_to(root).as_posix()] = dict(status="rejected", code="too_expanded")
    put(
        p01,
        "visits__error_page.json",
        b"Internal Server Error",
        status="rejected",
        code="wrong_format",
    )
    envelope = claims_envelope([claims_row(i, MA_LK=f"CUT{i}") for i in range(1, 6)])
    put(p01, "visits__cut.xml", envelope[: len(envelope) // 2], status="rejected", code="corrupt")
    big = [visit_row(visit_id=f"BIG{i}") for i in range(2_500)]
    put(p01, "visits__big.csv", csv_bytes(big), status="rejected", code="too_large")
    put(p01, "hospitals.csv", csv_bytes(facilities), status="rejected", code="unknown_dataset")
    put(p01, "visits.pdf", b"%PDF-1.7\n", status="rejected", code="unknown_format")
    put(night, "readme.txt", b"see attached", status="rejected", code="outside_layout")
    return expect


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_format_and_every_bad_file(tmp_path, night, monkeypatch):
    monkeypatch.setenv("VNHEALTH_MAX_FILE_BYTES", str(MAX_FILE_BYTES))
    monkeypatch.setenv("VNHEALTH_MAX_XLSX_EXPANDED_BYTES", str(MAX_EXPANDED_BYTES))
    landing = tmp_path / "landing"
    expect = build_landing(landing)
    big = landing / RUN_DATE.isoformat() / "p01" / "visits__big.csv"
    assert big.stat().st_size > MAX_FILE_BYTES
    before = {rel: _sha(landing / rel) for rel in expect}

    summary, warehouse, restricted = night(landing, RUN_DATE)
    assert summary["status"] == "succeeded"

    with duckdb.connect(str(warehouse), read_only=True) as wh:
        files = {
            r[0]: r[1:]
            for r in wh.execute(
                "SELECT source_file, status, error_code, error, rows_in, rows_loaded, "
                "rows_quarantined, notes FROM meta.files WHERE run_id = ?",
                [summary["run_id"]],
            ).fetchall()
        }
        core = dict(wh.execute("SELECT visit_id, _source_file FROM core.visits").fetchall())
        names = dict(
            wh.execute("SELECT facility_code, facility_name FROM core.facilities").fetchall()
        )
        facilities = len(names)
        claims_stamp = wh.execute(
            "SELECT DISTINCT updated_at FROM core.visits WHERE visit_id LIKE 'XML%'"
        ).fetchall()
    with duckdb.connect(str(restricted), read_only=True) as rs:
        quarantined = {
            (r[0], r[1])
            for r in rs.execute(
                "SELECT json_extract_string(raw, '$.' || CASE WHEN source_file LIKE '%.xlsx' "
                "THEN 'MA_LK' ELSE 'visit_id' END), rule_id FROM quarantine.rows "
                "WHERE run_id = ?",
                [summary["run_id"]],
            ).fetchall()
        }
        raw_plain = [
            json.loads(r[0])
            for r in rs.execute(
                "SELECT raw FROM raw.rows WHERE source_file LIKE '%visits__plain.csv' "
                "ORDER BY row_number"
            ).fetchall()
        ]
        raw_json = [
            json.loads(r[0])
            for r in rs.execute(
                "SELECT raw FROM raw.rows WHERE source_file LIKE '%visits__api.json' "
                "ORDER BY row_number"
            ).fetchall()
        ]

    assert set(files) == set(expect), set(files) ^ set(expect)
    for rel, want in expect.items():
        status, code, error, rows_in, loaded, in_quarantine, notes = files[rel]
        assert status == want["status"], (rel, status, error)
        assert rows_in == loaded + in_quarantine, rel  # nothing lost
        if status == "loaded":
            assert (loaded, in_quarantine) == (want["loaded"], want["quarantined"]), (rel, error)
            assert error is None
        else:
            assert code == want["code"], (rel, code, error)
            vi, en = error.split(" | ")  # one reason, Vietnamese | English
            assert vi and en and vi != en
            assert want.get("says", "") in error
            assert rows_in == 0
        for visit_id, rule in want.get("rules", {}).items():
            assert (visit_id, rule) in quarantined, (rel, visit_id, quarantined)
            assert visit_id not in core

    loaded_rows = sum(w["loaded"] for w in expect.values() if w["status"] == "loaded")
    assert len(core) + facilities == loaded_rows
    assert [str(s) for (s,) in claims_stamp] == ["2026-11-24 00:00:00"]  # envelope's NGAYLAP
    assert {core[v].rsplit("/", 1)[1] for v in ("U16_0", "W1258_1", "XLSX1", "JSON0", "XML2")} == {
        "visits__his.csv",
        "visits__legacy.csv",
        "visits__template.xlsx",
        "visits__api.json",
        "visits__claims.xml",
    }

    # Delivered decomposed (NFD), stored composed (NFC).
    assert names == {"01001": "Bệnh viện Đa khoa Hà Nội", "01002": "Trạm y tế phường Hoàn Kiếm"}
    assert all(unicodedata.is_normalized("NFC", n) for n in names.values())

    # The extra column: kept in the raw row, noted once for the file.
    assert raw_plain[0]["Ghi chú"] == "tái khám"
    assert files[f"{RUN_DATE}/p01/visits__plain.csv"][6].count("Ghi chú") == 1
    assert json.loads(raw_json[0]["details"]) == {"ward": "Nội tổng hợp", "beds": [1, 2]}

    # Rejected files are left exactly as delivered.
    assert {rel: _sha(landing / rel) for rel in expect} == before


def test_a_corrected_delivery_loads_after_a_rejection(tmp_path, night):
    """Night D: the province sends a CSV named .xlsx (rejected, left as it is). Night D+1:
    the corrected workbook arrives and loads. Then night D is re-run after the province
    replaced the file at the same path: it loads too."""
    landing = tmp_path / "landing"
    next_day = date.fromordinal(RUN_DATE.toordinal() + 1)
    for day in (RUN_DATE, next_day):
        (landing / day.isoformat() / "p01").mkdir(parents=True)
        (landing / day.isoformat() / "moh").mkdir()
    (landing / RUN_DATE.isoformat() / "moh" / "facilities.csv").write_bytes(
        csv_bytes([facility_row()])
    )
    wrong = csv_bytes([visit_row()])
    path = landing / RUN_DATE.isoformat() / "p01" / "visits.xlsx"
    path.write_bytes(wrong)
    first, warehouse, _ = night(landing, RUN_DATE)
    assert path.read_bytes() == wrong  # never deleted or modified

    later = landing / next_day.isoformat() / "p01" / "visits.xlsx"
    write_template(later, [template_row(1, NGAY_CAP_NHAT=datetime(2026, 11, 25, 9, 0))])
    second, _, _ = night(landing, next_day)

    write_template(path, [template_row(2)])  # the same path, corrected
    third, _, _ = night(landing, RUN_DATE)

    with duckdb.connect(str(warehouse), read_only=True) as wh:
        runs = dict(
            wh.execute(
                "SELECT run_id, status || ' ' || source_file FROM meta.files "
                "WHERE source_file LIKE '%visits.xlsx'"
            ).fetchall()
        )
        visits = wh.execute("SELECT visit_id FROM core.visits ORDER BY 1").fetchall()
    assert runs == {
        first["run_id"]: f"rejected {RUN_DATE}/p01/visits.xlsx",
        second["run_id"]: f"loaded {next_day}/p01/visits.xlsx",
        third["run_id"]: f"loaded {RUN_DATE}/p01/visits.xlsx",
    }
    assert visits == [("KB000001",), ("KB000002",)]
