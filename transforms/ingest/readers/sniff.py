"""What a file really holds, from its first bytes: a file named `.xlsx` may be a CSV or a
web page saved by a reporting portal, a `.json` may be an error page."""

from __future__ import annotations

import codecs

from transforms.ingest.readers.base import FileRejected
from transforms.messages import Reason

HEAD_BYTES = 1 << 16
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .xls, .doc, encrypted .xlsx

# kind -> (Vietnamese, English) description, as the rejection names it
KINDS: dict[str, tuple[str, str]] = {
    "zip": ("một tệp nén ZIP hoặc bảng tính .xlsx", "a ZIP archive or an .xlsx workbook"),
    "ole": (
        "một tệp Office cũ (.xls, .doc) hoặc bảng tính có mật khẩu",
        "a legacy Office (.xls, .doc) or password-protected file",
    ),
    "pdf": ("một tài liệu PDF", "a PDF document"),
    "html": ("một trang web HTML", "an HTML web page"),
    "xml": ("văn bản XML", "XML text"),
    "json": ("văn bản JSON", "JSON text"),
    "text": ("văn bản thường (như CSV)", "plain text (such as CSV)"),
    "binary": ("dữ liệu nhị phân không rõ loại", "unrecognised binary data"),
}


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern) or Windows-1258."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample[1:4:2] == b"\0\0" and sample[0:4:2] != b"\0\0":
        return "utf-16-le"
    if len(sample) >= 4 and sample[0:4:2] == b"\0\0" and sample[1:4:2] != b"\0\0":
        return "utf-16-be"
    try:
        # The sample may end inside a multi-byte character: let the decoder hold it back.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1258"


def kind_of(head: bytes) -> str:
    """One of the KINDS keys for the first bytes of a (non-empty) file."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    encoding = detect_encoding(head)
    if not encoding.startswith("utf-16") and b"\0" in head:
        return "binary"
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").lower()
    if text.startswith(("<!doctype html", "<html", "<head", "<body", "<table")):
        return "html"
    if text.startswith("<"):
        return "xml"
    if text.startswith(("[", "{")):
        return "json"
    return "text"


def require(head: bytes, ext: str, *allowed: str) -> str:
    """The file's kind, or FileRejected when it is not one the extension allows."""
    kind = kind_of(head)
    if kind not in allowed:
        found_vi, found_en = KINDS[kind]
        raise FileRejected(Reason.wrong_format(ext, found_vi, found_en))
    return kind
