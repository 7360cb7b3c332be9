"""XLSX as the ministry's templates lay it out: title block, merged two-row header,
totals and notes under the data, several sheets, hidden columns; and each bad workbook."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from transforms.ingest.readers.sniff import OLE_MAGIC
from transforms.ingest.reading import FileRejected, read_batches
from transforms.ingest.stager import header_keys
from validations.registry import DATASETS

KEYS = header_keys(DATASETS["visits"])
FACILITY_KEYS = header_keys(DATASETS["facilities"])

# XML1 tags, in the order of the claims table, as a province's HIS exports them
TAGS = (
    "MA_LK",
    "MA_CSKCB",
    "SO_CCCD",
    "HO_TEN",
    "NGAY_SINH",
    "GIOI_TINH",
    "MA_THE_BHYT",
    "MA_LOAI_KCB",
    "NGAY_VAO",
    "NGAY_RA",
    "MA_BENH_CHINH",
    "MA_BENH_KT",
    "T_TONGCHI_BV",
    "T_BHTT",
    "T_BNCCT",
    "T_BNTT",
    "T_NGUONKHAC",
    "MATINH_CU_TRU",
    "MAXA_CU_TRU",
    "NGAY_CAP_NHAT",
)
COSTS = ("T_TONGCHI_BV", "T_BHTT", "T_BNCCT", "T_BNTT", "T_NGUONKHAC")


def template_row(i: int = 1, **overrides) -> dict[str, object]:
    """A valid visit as typed spreadsheet cells (dates as datetimes, amounts as numbers)."""
    row: dict[str, object] = {
        "MA_LK": f"KB{i:06d}",
        "MA_CSKCB": "01001",
        "SO_CCCD": "001090012345",
        "HO_TEN": "Nguyễn Văn An",
        "NGAY_SINH": datetime(1990, 5, 17),
        "GIOI_TINH": 1,
        "MA_THE_BHYT": "DN4010123456789",
        "MA_LOAI_KCB": "01",
        "NGAY_VAO": datetime(2026, 11, 20, 8, 30),
        "NGAY_RA": datetime(2026, 11, 22, 10, 0),
        "MA_BENH_CHINH": "J18.9",
        "MA_BENH_KT": "I10;E11.9",
        "T_TONGCHI_BV": 1_000_000.0,
        "T_BHTT": 800_000,
        "T_BNCCT": 150_000.5,
        "T_BNTT": 49_999.5,
        "T_NGUONKHAC": 0,
        "MATINH_CU_TRU": "01",
        "MAXA_CU_TRU": "00070",
        "NGAY_CAP_NHAT": datetime(2026, 11, 24, 9, 0),
    }
    return {**row, **overrides}


def write_template(
    path: Path,
    rows: list[dict[str, object]],
    *,
    notes_sheet: bool = True,
    blank_then_data: bool = False,
) -> Path:
    """A ministry-style workbook: an instructions sheet first, then the data sheet with
    the national motto, agency and title, a header merged over two rows (money columns
    under a "Chi phí" group), a hidden column, column numbers, a totals row and a
    signature block."""
    wb = openpyxl.Workbook()
    if notes_sheet:
        guide = wb.active
        guide.title = "Hướng dẫn"
        guide["A1"] = "Hướng dẫn điền biểu mẫu: cột MA_LK là mã lượt khám"
        ws = wb.create_sheet("Dữ liệu")
    else:
        ws = wb.active
        ws.title = "Dữ liệu"
    columns = ("STT", *TAGS)
    ws["A1"] = "SỞ Y TẾ HÀ NỘI"
    ws["H1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws["H2"] = "Độc lập - Tự do - Hạnh phúc"
    ws["A4"] = "BÁO CÁO DANH SÁCH LƯỢT KHÁM BỆNH, CHỮA BỆNH"
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=len(columns))
    first_cost = columns.index(COSTS[0]) + 1
    for j, name in enumerate(columns, start=1):
        if name in COSTS:
            ws.cell(7, j, name)  # the lower header row, under the group title
        else:
            ws.cell(6, j, name)
            ws.merge_cells(start_row=6, start_column=j, end_row=7, end_column=j)
    ws.cell(6, first_cost, "Chi phí (đồng)")
    ws.merge_cells(
        start_row=6, start_column=first_cost, end_row=6, end_column=first_cost + len(COSTS) - 1
    )
    for j in range(1, len(columns) + 1):
        ws.cell(8, j, f"({j})")
    ws.column_dimensions["U"].hidden = True
    r = 9
    for i, row in enumerate(rows, start=1):
        ws.cell(r, 1, i)
        for j, name in enumerate(TAGS, start=2):
            cell = ws.cell(r, j, row.get(name))
            if isinstance(row.get(name), datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
        r += 1
    if blank_then_data:
        r += 1
        for j, name in enumerate(TAGS, start=2):
            ws.cell(r, j, template_row(99).get(name))
        r += 1
    ws.cell(r, 1, "Tổng cộng")
    ws.cell(r, first_cost, sum(float(x["T_TONGCHI_BV"]) for x in rows))
    ws.cell(r + 2, 1, "Ghi chú: số liệu tính đến ngày 24/11/2026")
    ws.cell(r + 4, 2, "Người lập biểu")
    ws.cell(r + 4, 10, "Thủ trưởng đơn vị")
    wb.save(path)
    return path


def read_all(path: Path, keys=KEYS, **limits) -> list:
    return list(
        read_batches(
            path,
            "xlsx",
            batch_rows=limits.pop("batch_rows", 1000),
            max_bytes=limits.pop("max_bytes", 10**9),
            max_expanded_bytes=limits.pop("max_expanded_bytes", 10**9),
            max_compression_ratio=limits.pop("max_compression_ratio", 200.0),
            header_keys=keys,
            **limits,
        )
    )


def test_template_with_title_block_merged_header_and_totals(tmp_path):
    path = write_template(tmp_path / "visits.xlsx", [template_row(i) for i in range(1, 4)])
    (frame,) = read_all(path)
    assert list(frame.columns) == ["STT", *TAGS]
    assert len(frame) == 3  # not the column numbers, the totals row or the signatures
    first = frame.iloc[0]
    assert first["MA_LK"] == "KB000001"
    assert first["MA_CSKCB"] == "01001"  # a text cell keeps its leading zero
    assert first["MATINH_CU_TRU"] == "01"
    assert first["NGAY_SINH"] == "1990-05-17 00:00:00"
    assert first["NGAY_VAO"] == "2026-11-20 08:30:00"
    assert first["T_TONGCHI_BV"] == "1000000"  # not 1000000.0
    assert first["T_BNCCT"] == "150000.5"
    assert first["GIOI_TINH"] == "1"
    assert first["HO_TEN"] == "Nguyễn Văn An"
    assert first["NGAY_CAP_NHAT"] == "2026-11-24 09:00:00"  # read from the hidden column U
    assert all(str(t) == "str" for t in frame.dtypes)


def test_batches_and_single_sheet(tmp_path):
    path = write_template(
        tmp_path / "v.xlsx", [template_row(i) for i in range(1, 8)], notes_sheet=False
    )
    frames = read_all(path, batch_rows=3)
    assert [len(f) for f in frames] == [3, 3, 1]
    assert frames[2].iloc[0]["MA_LK"] == "KB000007"


def test_plain_sheet_with_canonical_headers_and_typed_cells(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["facility_code", "Tên cơ sở", "LOẠI HÌNH", "số  giường", "updated_at"])
    ws.append(["01001", "Bệnh viện A", "hospital", 500, date(2026, 11, 20)])
    ws.append([1002, "Trạm y tế B", "trạm y tế", 0.0, "20/11/2026"])
    wb.save(tmp_path / "f.xlsx")
    (frame,) = read_all(tmp_path / "f.xlsx", keys=FACILITY_KEYS)
    assert frame["facility_code"].tolist() == ["01001", "1002"]
    assert frame["số  giường"].tolist() == ["500", "0"]
    assert frame["updated_at"].tolist() == ["2026-11-20 00:00:00", "20/11/2026"]


def test_without_known_names_the_first_row_of_several_cells_is_the_header(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Báo cáo tháng 11"])
    ws.append(["code", "name", "amount"])
    ws.append(["007", "Bệnh viện A", 1.5])
    wb.save(tmp_path / "x.xlsx")
    (frame,) = read_all(tmp_path / "x.xlsx", keys=frozenset())
    assert frame.to_dict("records") == [{"code": "007", "name": "Bệnh viện A", "amount": "1.5"}]


def test_header_only_is_empty(tmp_path):
    path = write_template(tmp_path / "v.xlsx", [])
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == "empty"


def test_no_known_header_is_rejected(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["foo", "bar"])
    wb.active.append(["1", "2"])
    wb.save(tmp_path / "v.xlsx")
    with pytest.raises(FileRejected) as exc:
        read_all(tmp_path / "v.xlsx")
    assert exc.value.reason.code == "no_header"


def test_data_after_a_blank_row_rejects_rather_than_loads_part(tmp_path):
    path = write_template(tmp_path / "v.xlsx", [template_row(1)], blank_then_data=True)
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == "data_after_blank"
    assert "10" in exc.value.reason.en  # the blank row's number


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"MA_LK,MA_CSKCB\nKB1,01001\n", "wrong_format"),  # a CSV renamed .xlsx
        (b"<!DOCTYPE html><html><body><table></table></body></html>", "wrong_format"),
        (OLE_MAGIC + b"\0" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 500, "encrypted"),
        (OLE_MAGIC + b"\0" * 1000, "legacy_xls"),
        (b"", "empty"),
    ],
)
def test_not_a_workbook(tmp_path, content, code):
    path = tmp_path / "v.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == code
    assert exc.value.reason.vi and exc.value.reason.en


def test_truncated_workbook_is_corrupt(tmp_path):
    path = write_template(tmp_path / "v.xlsx", [template_row(i) for i in range(1, 50)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == "corrupt"


def test_damaged_sheet_inside_a_valid_zip_is_corrupt(tmp_path):
    good = write_template(tmp_path / "good.xlsx", [template_row(1)])
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    with pytest.raises(FileRejected) as exc:
        read_all(bad)
    assert exc.value.reason.code == "corrupt"


def test_zip_without_workbook_is_wrong_format(tmp_path):
    path = tmp_path / "v.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == "wrong_format"


def test_zip_bomb_is_refused_before_opening(tmp_path):
    good = write_template(tmp_path / "good.xlsx", [template_row(1)])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/media/padding.bin", b"\0" * (20 * 1024**2))
    with pytest.raises(FileRejected) as exc:
        read_all(bomb, max_expanded_bytes=10 * 1024**2)
    assert exc.value.reason.code == "too_expanded"
    with pytest.raises(FileRejected) as exc:  # under the size limit, but 1000 times its size
        read_all(bomb, max_expanded_bytes=10**12, max_compression_ratio=100)
    assert exc.value.reason.code == "too_expanded"
    assert len(read_all(good, max_expanded_bytes=10 * 1024**2)[0]) == 1


def test_file_over_the_size_limit(tmp_path):
    path = write_template(tmp_path / "v.xlsx", [template_row(1)])
    with pytest.raises(FileRejected) as exc:
        read_all(path, max_bytes=1000)
    assert exc.value.reason.code == "too_large"
