"""`vnhealth report` on two real nights: the HTML page rendered by headless Chromium, the
progress workbook and the provinces' feedback files reopened with openpyxl, and the Prefect
artifacts of a night."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess

import duckdb
import openpyxl
import pytest

from flows.cli import main as cli
from tests.factories import facility_row, visit_row
from tests.integration.conftest import run_night
from tests.integration.test_trends import D1, D2, _csv, _put, build_small_landing
from transforms.reference import load as load_reference
from transforms.report.data import provincial_databases

INJECTED = ["=1+2", "@SUM(A1)"]  # facility codes a spreadsheet would run as formulas
STALE = "KB089999"  # a bad visit p08 sends on night 1 only: still open on night 2


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Two nights (with two facility rows whose codes look like formulas) and the report
    of the second night. Returns (output folder, written paths, warehouse)."""
    landing = build_small_landing(tmp_path_factory.mktemp("report_landing"))
    _put(
        landing / D2.isoformat() / "moh" / "facilities__extra.csv",
        _csv([facility_row(facility_code=code, updated_at=f"{D2} 08:00:00") for code in INJECTED]),
        D2,
    )
    commune = next(c for c, (_, p) in sorted(load_reference().communes.items()) if p == "08")
    _put(
        landing / D1.isoformat() / "p08" / "visits__extra.csv",
        _csv(
            [
                visit_row(
                    visit_id=STALE,
                    facility_code="08001",
                    province_code="08",
                    commune_code=commune,
                    icd10_main="XYZ",
                    updated_at=f"{D1} 10:00:00",
                )
            ]
        ),
        D1,
    )
    folder = tmp_path_factory.mktemp("report_wh")
    warehouse = folder / "warehouse.duckdb"
    run_night(landing, D1, warehouse)
    run_night(landing, D2, warehouse)
    out = folder / "report"
    assert cli(["report", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    return (
        out,
        sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()),
        warehouse,
    )


def test_report_writes_every_file(report):
    _, written, _ = report
    assert {
        f"report_{D2}.html",
        f"report_{D2}.md",
        f"tien_do_{D2}.xlsx",
        f"database_scorecard_{D2}.csv",
    } <= set(written)
    feedback = {p for p in written if p.startswith("feedback/")}
    # Every source expected that night: 34 provinces and the ministry.
    assert len(feedback) == 35
    assert f"feedback/phan_hoi_moh_{D2}.xlsx" in feedback


def test_the_html_is_self_contained_and_bilingual(report):
    out, _, _ = report
    html = (out / f"report_{D2}.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)\s*=|@import|url\(""", html)
    for words in (
        "Điểm theo tiêu chí",
        "scores per database by criterion",
        "tỉnh × CSDL",
        "submission status",
        "Xu hướng",
        "trends",
        "Mục tiêu",
    ):
        assert words in html
    assert html.count("<svg") >= 4 + 12  # bars, heat map, submissions, trends (12 + quarantine)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_html_renders_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "chromium is not installed (make test installs it with apt-get; this machine could not)"
        )
    out, _, _ = report
    page = (out / f"report_{D2}.html").resolve()
    shot = out / "report_screenshot.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    done = subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1400,2000", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    log = done.stdout + done.stderr
    assert not re.search(r"ERROR:CONSOLE|Uncaught|Failed to load resource", log), log[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 2000)
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert "Khám bệnh, chữa bệnh" in dom.stdout and "</svg>" in dom.stdout


def test_the_workbook_has_a_formatted_sheet_per_progress_table(report):
    out, _, _ = report
    wb = openpyxl.load_workbook(out / f"tien_do_{D2}.xlsx")
    assert wb.sheetnames == [
        "Điểm CSDL",
        "Điểm tỉnh × CSDL",
        "Tình hình gửi",
        "TTHC tổng hợp",
        "TTHC theo tỉnh",
        "Mục tiêu",
        "Cách ly còn mở",
        "Chỉ tiêu cấu hình",
    ]
    ws = wb["Điểm CSDL"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[0] == "Ngày dữ liệu\nrun_date" and "Tổng hợp (%)\noverall_pct" in header
    rating = header.index("Xếp loại\nrating") + 1
    overall = header.index("Tổng hợp (%)\noverall_pct") + 1
    fills = {
        ws.cell(r, rating).value: ws.cell(r, rating).fill.fgColor.rgb
        for r in range(2, ws.max_row + 1)
    }
    assert fills["Chưa đạt / red"] == "00FFCDD2"
    assert ws.cell(2, overall).number_format == "0.0"
    assert ws.max_row == 1 + 12
    for sheet in wb:
        assert sheet.freeze_panes == "A2"
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
        # Names and words where a person reads: booleans as có / không.
        values = [c.value for c in _cells(sheet)]
        assert not any(isinstance(v, bool) or v in ("True", "False") for v in values)
    # Names first, codes in the last columns (for filters and joins).
    sub = list(wb["Tình hình gửi"].iter_rows(values_only=True))
    assert sub[0][1:3] == ("Tên nguồn\nsource_name", "Tên bộ dữ liệu\ndataset_name")
    assert sub[0][-2:] == ("Nguồn\nsource", "Bộ dữ liệu\ndataset")
    names = load_reference().provinces
    assert {r[1] for r in sub[1:]} == {"Bộ Y tế", *names.values()}
    assert {r[3] for r in sub[1:]} <= {"có", "không"}
    goals = list(wb["Mục tiêu"].iter_rows(values_only=True))
    subject = goals[0].index("Tên đối tượng\nsubject_name")
    assert "Thủ tục hành chính" in {r[subject] for r in goals[1:]}
    assert "tthc" not in {r[subject] for r in goals[1:]}


def _cells(ws) -> list:
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def test_feedback_files_mask_ids_and_never_hold_formulas(report):
    out, _, _ = report
    wb = openpyxl.load_workbook(out / "feedback" / f"phan_hoi_p04_{D2}.xlsx")
    assert wb.sheetnames == [
        "Tổng hợp - Summary",
        "Dòng bị từ chối - Rejected",
        "Còn cách ly từ trước - Open",
    ]
    rows = list(wb["Dòng bị từ chối - Rejected"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert wb["Dòng bị từ chối - Rejected"].freeze_panes == "A2"
    assert [r[header.index("Khóa bản ghi\nrecord key")] for r in body] == [
        "04001|KB040001",
        "04001|KB040002",
    ]
    # Quarantined on both nights and never loaded: open for one night already.
    assert [r[header.index("Số đêm còn cách ly\nnights open")] for r in body] == [1, 1]
    reason = {r[header.index("Lý do (tiếng Anh)\nreason (en)")] for r in body}
    assert len(reason) == 1 and "icd10_main" in reason.pop()
    criterion = {r[header.index("Tiêu chí\ncriterion")] for r in body}
    assert criterion == {"Đúng / accurate"}
    raw = body[0][header.index("Dữ liệu gốc (đã che)\noriginal row (masked)")]
    assert "patient_id=*********345" in raw and "001090012345" not in raw
    assert "patient_name=N. V. A." in raw and "Nguyễn" not in raw
    summary = [c.value for c in _cells(wb["Tổng hợp - Summary"])]
    assert "có" in summary and "Đã nhận / received" in summary
    assert not any(isinstance(v, bool) or v in ("True", "False") for v in summary)
    assert "visits.icd10_main.format" in summary or any(
        isinstance(v, str) and v.startswith("visits.icd10_main") for v in summary
    )

    moh = openpyxl.load_workbook(out / "feedback" / f"phan_hoi_moh_{D2}.xlsx")
    cells = [c for ws in moh for c in _cells(ws)]
    injected = [c for c in cells if c.value in INJECTED]
    assert {c.value for c in injected} == set(INJECTED)
    assert all(c.data_type == "s" and c.quotePrefix for c in injected)
    assert not any(c.data_type == "f" for c in cells)


def test_older_open_rows_are_listed_with_their_age(report):
    out, _, _ = report
    wb = openpyxl.load_workbook(out / "feedback" / f"phan_hoi_p08_{D2}.xlsx")
    rows = list(wb["Còn cách ly từ trước - Open"].iter_rows(min_row=2, values_only=True))
    header, body = rows[0], rows[1:]
    assert [r[header.index("Khóa bản ghi\nrecord key")] for r in body] == [f"08001|{STALE}"]
    assert body[0][header.index("Số đêm còn cách ly\nnights open")] == 1
    assert body[0][header.index("Cách ly lần đầu\nfirst quarantined on")].date() == D1
    # p04's rows of both nights are tonight's, not listed again as older.
    p04 = openpyxl.load_workbook(out / "feedback" / f"phan_hoi_p04_{D2}.xlsx")
    assert len(list(p04["Còn cách ly từ trước - Open"].iter_rows(min_row=3))) == 0


def test_the_page_adds_up_with_meta_runs_and_leaves_registries_to_the_ministry(report):
    out, _, warehouse = report
    html = (out / f"report_{D2}.html").read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as wh:
        rows_in, quarantined = wh.execute(
            "SELECT sum(rows_in), sum(rows_quarantined) FROM meta.runs WHERE run_date = $d",
            {"d": D2},
        ).fetchone()
        scored = wh.execute(
            "SELECT DISTINCT database_id FROM progress.province_scorecard WHERE run_date = $d",
            {"d": D2},
        ).fetchall()
    assert f"= {rows_in:,} dòng nhận, đúng như" in html
    assert f"cách ly / quarantined {quarantined:,}" in html
    assert "procedures, counted apart" in html
    # A province is scored on what it delivers: no row for a ministry-only database.
    assert {d for (d,) in scored} == provincial_databases() - {"tthc"}
    assert "KAD = không áp dụng" in html and ">KAD</text>" in html
    assert "how a score is computed" in html and "top failing rules per database" in html


def test_open_quarantine_reaches_the_feedback_and_the_page(report):
    out, _, warehouse = report
    with duckdb.connect(str(warehouse), read_only=True) as wh:
        open_p04 = wh.execute(
            "SELECT open_rows FROM progress.open_quarantine WHERE run_date = $d "
            "AND province_code = '04'",
            {"d": D2},
        ).fetchone()[0]
    assert open_p04 == 2
    assert "Bản ghi còn cách ly" in (out / f"report_{D2}.html").read_text(encoding="utf-8")


def test_artifacts_of_a_night(report):
    from prefect import flow
    from prefect.artifacts import Artifact

    from flows.artifacts import SCORECARD_KEY, SUMMARY_KEY, publish_artifacts

    _, _, warehouse = report

    @flow
    def publish():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            publish_artifacts(con, D2, night={"files": 8, "rows_in": 12})

    publish()
    table = Artifact.get(SCORECARD_KEY)
    summary = Artifact.get(SUMMARY_KEY)
    assert table is not None and summary is not None
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert len(rows) == 12 and {"database_id", "overall_pct", "rating"} <= set(rows[0])
    assert f"Đêm {D2}" in summary.data and "đỏ / red" in summary.data


def test_the_markdown_names_each_database_and_its_rating_in_words(report):
    out, _, warehouse = report
    md = (out / f"report_{D2}.md").read_text(encoding="utf-8")
    words = {"green": "Tốt / green", "amber": "Cần cải thiện / amber", "red": "Chưa đạt / red"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cards = con.execute(
            "SELECT database_id, rating FROM progress.database_scorecard WHERE run_date = ?",
            [D2],
        ).fetchall()
    assert len(cards) == 12
    for database_id, rating in cards:
        row = next(line for line in md.splitlines() if line.endswith(f"| `{database_id}` |"))
        assert f"| {words[rating]} |" in row, row
