"""JSON: an array of records or `{"data": [...]}`, nested values kept as JSON text; and
the JSON files that must be rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.factories import visit_row
from transforms.ingest.readers import records
from transforms.ingest.reading import FileRejected, read_batches


def read_all(path: Path, batch_rows: int = 1000) -> list[pd.DataFrame]:
    return list(
        read_batches(
            path,
            "json",
            batch_rows=batch_rows,
            max_bytes=10**9,
            max_expanded_bytes=10**9,
            max_compression_ratio=200.0,
        )
    )


def test_array_of_records(tmp_path):
    path = tmp_path / "visits.json"
    path.write_text(
        json.dumps([visit_row(), visit_row(visit_id="V2")], ensure_ascii=False), encoding="utf-8"
    )
    (frame,) = read_all(path)
    assert list(frame.columns) == list(visit_row())
    assert frame["visit_id"].tolist() == ["2611240100000001", "V2"]
    assert frame["patient_name"].iloc[0] == "Nguyễn Văn An"


def test_data_envelope_typed_values_nested_and_missing_keys(tmp_path):
    doc = {
        "exported_at": "2026-11-24T23:00:00+07:00",
        "count": 2,
        "data": [
            {
                "visit_id": "V1",
                "total_cost": 1000000,
                "insurance_paid": 800000.0,
                "other_paid": 12.5,
                "emergency": True,
                "facility_code": "01001",
                "diagnoses": [{"code": "I10"}, {"code": "E11.9"}],
                "note": None,
            },
            {"visit_id": "V2", "extra": {"ward": "Nội"}},
        ],
        "checksum": "abc",
    }
    path = tmp_path / "visits.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8-sig")
    (frame,) = read_all(path)
    assert list(frame.columns) == [
        "visit_id",
        "total_cost",
        "insurance_paid",
        "other_paid",
        "emergency",
        "facility_code",
        "diagnoses",
        "note",
        "extra",
    ]
    first, second = frame.iloc[0], frame.iloc[1]
    assert (first["total_cost"], first["insurance_paid"], first["other_paid"]) == (
        "1000000",
        "800000",
        "12.5",
    )
    assert first["emergency"] == "true"
    assert first["facility_code"] == "01001"
    assert json.loads(first["diagnoses"]) == [{"code": "I10"}, {"code": "E11.9"}]
    assert pd.isna(first["note"]) and pd.isna(second["total_cost"])
    assert second["extra"] == '{"ward": "Nội"}'


def test_streamed_in_batches_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "CHUNK_CHARS", 7)  # values cut by every chunk boundary
    rows = [{"id": i, "amount": 1234567 + i, "name": "Trần Thị Bích"} for i in range(25)]
    path = tmp_path / "visits.json"
    path.write_text(json.dumps({"data": rows}, ensure_ascii=False), encoding="utf-8")
    frames = read_all(path, batch_rows=10)
    assert [len(f) for f in frames] == [10, 10, 5]
    assert frames[2]["amount"].tolist()[-1] == str(1234567 + 24)
    assert frames[0]["name"].iloc[0] == "Trần Thị Bích"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", "empty"),
        ("[]", "empty"),
        ('{"data": []}', "empty"),
        ("visit_id,total_cost\nV1,100\n", "wrong_format"),  # a CSV named .json
        ("<html><body>502 Bad Gateway</body></html>", "wrong_format"),
        ('[{"visit_id": "V1"}, {"visit_id": "V2"', "corrupt"),  # truncated
        ('[{"visit_id": "V1"} {"visit_id": "V2"}]', "corrupt"),  # missing comma
        ('[{"visit_id": "V1"}] trailing', "corrupt"),
        ('{"rows": [{"visit_id": "V1"}]}', "bad_records"),
        ('[{"visit_id": "V1"}, 42]', "bad_records"),
    ],
)
def test_bad_json_is_rejected_with_one_reason(tmp_path, content, code):
    path = tmp_path / "visits.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == code
    assert exc.value.reason.vi != exc.value.reason.en
