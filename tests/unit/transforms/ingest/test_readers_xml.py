"""Claims XML (QĐ 130 / QĐ 4750): the GIAMDINHHS envelope with base64 XML1 tables delivers
`visits`; and the XML files that must be rejected."""

from __future__ import annotations

import base64
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest

from tests.factories import failures
from transforms.ingest.readers.claims import declared_tags
from transforms.ingest.reading import FileRejected, read_batches


def claims_row(i: int = 1, **overrides: str) -> dict[str, str]:
    """A valid XML1 (TONG_HOP) row as a hospital information system writes it."""
    row = {
        "MA_LK": f"2611240100{i:06d}",
        "STT": str(i),
        "MA_BN": f"BN{i:05d}",
        "HO_TEN": "Nguyễn Văn An",
        "SO_CCCD": "001090012345",
        "NGAY_SINH": "199005170000",
        "GIOI_TINH": "1",
        "MA_THE_BHYT": "DN4010123456789",
        "MA_BENH_CHINH": "J18.9",
        "MA_BENH_KT": "I10;E11.9",
        "NGAY_VAO": "202611200830",
        "NGAY_RA": "202611221000",
        "T_TONGCHI_BV": "1000000",
        "T_BHTT": "800000",
        "T_BNCCT": "150000",
        "T_BNTT": "50000",
        "T_NGUONKHAC": "0",
        "MA_LOAI_KCB": "01",
        "MA_CSKCB": "01001",
        "MATINH_CU_TRU": "01",
        "MAXA_CU_TRU": "00070",
    }
    return {**row, **overrides}


def xml1(rows: list[dict[str, str]]) -> bytes:
    """The XML1 table: one TONG_HOP, or several under a wrapping element."""
    body = "".join(
        "<TONG_HOP>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in r.items()) + "</TONG_HOP>"
        for r in rows
    )
    if len(rows) > 1:
        body = f"<DSACH_TONG_HOP>{body}</DSACH_TONG_HOP>"
    return ('<?xml version="1.0" encoding="utf-8"?>' + body).encode("utf-8")


def claims_envelope(
    episodes: list[dict[str, str]],
    *,
    ngaylap: str | None = "20261124",
    stamp_last: bool = False,
    contents: list[bytes] | None = None,
) -> bytes:
    """A GIAMDINHHS file: one HOSO per episode, each with its XML1 (base64) and an XML4
    (paraclinical results) table that is counted, not loaded."""
    xml4 = base64.b64encode(
        b"<CHITIEU_CHITIET_DICHVUCANLAMSANG><DSACH_CHI_TIET_CLS><CHI_TIET_CLS>"
        b"<MA_LK>x</MA_LK></CHI_TIET_CLS></DSACH_CHI_TIET_CLS>"
        b"</CHITIEU_CHITIET_DICHVUCANLAMSANG>"
    ).decode()
    contents = contents or [xml1([e]) for e in episodes]
    hoso = "".join(
        "<HOSO>"
        f"<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>"
        f"{base64.encodebytes(c).decode()}</NOIDUNGFILE></FILEHOSO>"
        f"<FILEHOSO><LOAIHOSO>XML4</LOAIHOSO><NOIDUNGFILE>{xml4}</NOIDUNGFILE></FILEHOSO>"
        "</HOSO>"
        for c in contents
    )
    stamp = f"<NGAYLAP>{ngaylap}</NGAYLAP>" if ngaylap else ""
    info = (
        f"<THONGTINHOSO>{'' if stamp_last else stamp}<SOLUONGHOSO>{len(contents)}"
        f"</SOLUONGHOSO><DANHSACHHOSO>{hoso}</DANHSACHHOSO>{stamp if stamp_last else ''}"
        "</THONGTINHOSO>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<GIAMDINHHS>'
        "<THONGTINDONVI><MACSKCB>01001</MACSKCB></THONGTINDONVI>"
        f"{info}<CHUKYDONVI/></GIAMDINHHS>"
    ).encode()


def read_all(path: Path, batch_rows: int = 1000) -> list[pd.DataFrame]:
    return list(
        read_batches(
            path,
            "xml",
            batch_rows=batch_rows,
            max_bytes=10**9,
            max_expanded_bytes=10**9,
            max_compression_ratio=200.0,
        )
    )


def test_envelope_delivers_xml1_rows_with_ngaylap_as_updated_at(tmp_path):
    path = tmp_path / "visits.xml"
    path.write_bytes(claims_envelope([claims_row(1), claims_row(2, HO_TEN="Trần Thị Bình")]))
    (frame,) = read_all(path)
    # The XML1 tags the visits read, in declared order (those the rows lack are empty), then
    # the rows' other tags as met, then what the reader adds.
    declared = declared_tags("XML1")
    assert list(frame.columns) == [*declared, "STT", "MA_BN", "updated_at"]
    assert set(claims_row()) - {"STT", "MA_BN"} < set(declared)
    assert frame["T_THUOC"].isna().all()
    assert frame["MA_LK"].tolist() == ["2611240100000001", "2611240100000002"]
    assert frame["HO_TEN"].tolist() == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert frame["updated_at"].tolist() == ["20261124", "20261124"]
    assert frame["MA_CSKCB"].iloc[0] == "01001"


def test_rows_are_clean_visits_after_mapping_and_parsing(tmp_path, ctx_for, ref):
    path = tmp_path / "visits.xml"
    path.write_bytes(
        claims_envelope([claims_row(1), claims_row(2, GIOI_TINH="2", SO_CCCD="001190012345")])
    )
    (frame,) = read_all(path)
    frame = frame[frame.attrs["delivered"]]  # as the stager maps them: the tags delivered
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert failures("visits", rows, ctx_for("province"), ref) == [set(), set()]


def test_many_tables_in_one_hoso_stamp_after_the_list_and_batches(tmp_path):
    path = tmp_path / "visits.xml"
    contents = [xml1([claims_row(i) for i in range(1, 4)]), xml1([claims_row(4)])]
    path.write_bytes(claims_envelope([], contents=contents, stamp_last=True))
    frames = read_all(path, batch_rows=3)
    assert [len(f) for f in frames] == [3, 1]
    assert frames[1]["updated_at"].iloc[0] == "20261124"


def test_table_with_its_own_stamp_keeps_it(tmp_path):
    path = tmp_path / "visits.xml"
    path.write_bytes(claims_envelope([claims_row(1, NGAY_CAP_NHAT="202611231500")]))
    (frame,) = read_all(path)
    assert "updated_at" not in frame.columns
    assert frame["NGAY_CAP_NHAT"].iloc[0] == "202611231500"


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE GIAMDINHHS [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<GIAMDINHHS><THONGTINHOSO><NGAYLAP>&c;</NGAYLAP></THONGTINHOSO></GIAMDINHHS>"""


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"MA_LK,HO_TEN\nKB1,An\n", "wrong_format"),
        (b'{"data": []}', "wrong_format"),
        (b"<!DOCTYPE html><html><body>Login</body></html>", "wrong_format"),
        (b"<?xml version='1.0'?><HOADON><MA>1</MA></HOADON>", "not_claims"),
        (
            b"<GIAMDINHHS><THONGTINHOSO><NGAYLAP>20261124</NGAYLAP></THONGTINHOSO></GIAMDINHHS>",
            "not_claims",
        ),  # no XML1 at all
        (
            b"<GIAMDINHHS><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>@@not base64@@"
            b"</NOIDUNGFILE></FILEHOSO></HOSO></GIAMDINHHS>",
            "not_claims",
        ),
        (LAUGHS, "unsafe_xml"),
    ],
)
def test_bad_xml_is_rejected_with_one_reason(tmp_path, content, code):
    path = tmp_path / "visits.xml"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == code
    assert exc.value.reason.vi != exc.value.reason.en


def test_truncated_envelope_is_corrupt(tmp_path):
    data = claims_envelope([claims_row(i) for i in range(1, 20)])
    path = tmp_path / "visits.xml"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == "corrupt"
    assert "line" in exc.value.reason.en


def test_damaged_xml1_table_is_corrupt(tmp_path):
    path = tmp_path / "visits.xml"
    path.write_bytes(claims_envelope([], contents=[b"<TONG_HOP><MA_LK>1</MA_LK>"]))
    with pytest.raises(FileRejected) as exc:
        read_all(path)
    assert exc.value.reason.code == "corrupt"
    assert "XML1" in exc.value.reason.en
