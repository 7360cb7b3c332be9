"""The history's workbook deliveries read back as the night reads them: the same rows
under either layout plant, and the place of the table the layout checks compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from sample.generate.base import Output
from sample.generate.history import DATA_SHEET, MOVED_SHEET, workbook
from transforms.ingest.reading import FileLayout, read_batches
from transforms.ingest.stager import header_keys
from validations.registry import DATASETS

HEADER = ["certificate_no", "mother_id", "child_sex"]
ROWS = [{"certificate_no": f"CS{n}", "mother_id": f"0{n:011d}", "child_sex": "F"} for n in (1, 2)]


@pytest.mark.parametrize(
    ("plant", "header_row", "sheet"),
    [
        ({}, 1, (DATA_SHEET, 0)),
        ({"title": True}, 3, (DATA_SHEET, 0)),
        ({"moved": True}, 1, (MOVED_SHEET, 1)),
    ],
)
def test_a_workbook_delivery(tmp_path: Path, plant, header_row, sheet):
    path = tmp_path / "births.xlsx"
    path.write_bytes(workbook(Output("n/p01/births.csv", "loaded", "clean", HEADER, ROWS), **plant))
    layout = FileLayout()
    (frame,) = read_batches(
        path,
        "xlsx",
        batch_rows=100,
        max_bytes=1 << 20,
        max_expanded_bytes=1 << 24,
        max_compression_ratio=1000.0,
        header_keys=header_keys(DATASETS["births"]),
        dataset="births",
        layout=layout,
    )
    assert list(frame.columns) == HEADER
    assert frame.to_dict("records") == ROWS
    assert (layout.header_row, (layout.sheet_name, layout.sheet_index)) == (header_row, sheet)
