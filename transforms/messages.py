"""File-level reasons, in Vietnamese and English, that a province's data officer reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    vi: str
    en: str

    def __str__(self) -> str:
        return f"{self.vi} | {self.en}"

    @classmethod
    def outside_layout(cls, rel: str) -> Reason:
        return cls(
            "outside_layout",
            f"Tệp '{rel}' không nằm đúng cấu trúc <ngày>/<nguồn>/<bộ dữ liệu>.<đuôi>",
            f"File '{rel}' is outside the layout <date>/<source>/<dataset>.<ext>",
        )

    @classmethod
    def unknown_source(cls, source: str) -> Reason:
        return cls(
            "unknown_source",
            f"Nguồn '{source}' không phải 'moh' hoặc mã tỉnh 'pNN' hợp lệ",
            f"Source '{source}' is neither 'moh' nor a valid province 'pNN'",
        )

    @classmethod
    def unknown_format(cls, name: str) -> Reason:
        return cls(
            "unknown_format",
            f"Tên tệp '{name}' không hợp lệ hoặc định dạng không được hỗ trợ "
            "(csv, xlsx, json, xml)",
            f"File name '{name}' is not valid or its format is not supported "
            "(csv, xlsx, json, xml)",
        )

    @classmethod
    def unknown_dataset(cls, dataset: str | None) -> Reason:
        return cls(
            "unknown_dataset",
            f"Bộ dữ liệu '{dataset}' không có trong danh mục",
            f"Dataset '{dataset}' is not a known dataset",
        )

    @classmethod
    def not_registered(cls, dataset: str) -> Reason:
        return cls(
            "not_registered",
            f"Bộ dữ liệu '{dataset}' chưa được hệ thống tiếp nhận",
            f"Dataset '{dataset}' is not yet accepted by the pipeline",
        )

    @classmethod
    def wrong_source(cls, dataset: str, source: str, expected: str) -> Reason:
        who_vi = "Bộ Y tế (moh)" if expected == "moh" else "các tỉnh (pNN)"
        who_en = "the ministry (moh)" if expected == "moh" else "provinces (pNN)"
        return cls(
            "wrong_source",
            f"Bộ dữ liệu '{dataset}' do {who_vi} gửi, không phải '{source}'",
            f"Dataset '{dataset}' is delivered by {who_en}, not by '{source}'",
        )

    @classmethod
    def missing_columns(cls, columns: list[str]) -> Reason:
        shown = ", ".join(columns)
        return cls(
            "missing_columns", f"Thiếu cột bắt buộc: {shown}", f"Required columns missing: {shown}"
        )

    @classmethod
    def empty(cls) -> Reason:
        return cls(
            "empty", "Tệp rỗng hoặc chỉ có dòng tiêu đề", "The file is empty or holds only a header"
        )

    @classmethod
    def unreadable(cls, detail: str) -> Reason:
        return cls(
            "unreadable", f"Không đọc được tệp: {detail}", f"The file cannot be read: {detail}"
        )

    @classmethod
    def too_large(cls, size: int, limit: int) -> Reason:
        return cls(
            "too_large",
            f"Tệp quá lớn ({size:,} byte, giới hạn {limit:,} byte)",
            f"The file is too large ({size:,} bytes, limit {limit:,} bytes)",
        )

    @classmethod
    def duplicate(cls, run_id: str) -> Reason:
        return cls(
            "duplicate",
            f"Tệp có nội dung trùng với tệp đã nạp ở lần chạy {run_id}; không nạp lại",
            f"Same content as a file already loaded in run {run_id}; not loaded again",
        )

    @classmethod
    def wrong_format(cls, ext: str, found_vi: str, found_en: str) -> Reason:
        return cls(
            "wrong_format",
            f"Tệp có đuôi .{ext} nhưng nội dung là {found_vi}; hãy xuất lại đúng định dạng",
            f"The file is named .{ext} but holds {found_en}; export it again in that format",
        )

    @classmethod
    def corrupt(cls, ext: str, detail_vi: str, detail_en: str | None = None) -> Reason:
        """`detail_en` defaults to `detail_vi` for details that read the same in both
        (a library's own message, a position)."""
        return cls(
            "corrupt",
            f"Tệp .{ext} bị hỏng hoặc không trọn vẹn (có thể bị cắt khi gửi): {detail_vi}",
            f"The .{ext} file is damaged or incomplete (perhaps cut off in transfer): "
            f"{detail_en if detail_en is not None else detail_vi}",
        )

    @classmethod
    def encrypted(cls) -> Reason:
        return cls(
            "encrypted",
            "Bảng tính được đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại",
            "The workbook is password-protected; remove the password and send it again",
        )

    @classmethod
    def legacy_xls(cls) -> Reason:
        return cls(
            "legacy_xls",
            "Tệp là bảng tính Excel 97-2003 (.xls) đổi tên; hãy lưu lại dạng .xlsx",
            "The file is an Excel 97-2003 (.xls) workbook renamed; save it as .xlsx",
        )

    @classmethod
    def too_expanded(cls, size: int, limit: int, ratio: float, max_ratio: float) -> Reason:
        return cls(
            "too_expanded",
            f"Bảng tính giải nén ra {size:,} byte (gấp {ratio:,.0f} lần; giới hạn "
            f"{limit:,} byte, {max_ratio:,.0f} lần): nghi là tệp nén độc hại, không mở",
            f"The workbook expands to {size:,} bytes ({ratio:,.0f} times its size; limit "
            f"{limit:,} bytes, {max_ratio:,.0f} times): a suspected zip bomb, not opened",
        )

    @classmethod
    def no_header(cls) -> Reason:
        return cls(
            "no_header",
            "Không tìm thấy dòng tiêu đề cột của bộ dữ liệu trong trang tính nào",
            "No sheet has a header row with the dataset's column names",
        )

    @classmethod
    def data_after_blank(cls, sheet: str, row: int) -> Reason:
        return cls(
            "data_after_blank",
            f"Trang '{sheet}': dòng trống ở dòng {row} chia đôi dữ liệu; hãy xóa dòng "
            "trống rồi gửi lại (không nạp một phần tệp)",
            f"Sheet '{sheet}': a blank row at row {row} splits the data; remove it and "
            "send again (a file is never loaded in part)",
        )

    @classmethod
    def bad_records(cls, detail_vi: str, detail_en: str) -> Reason:
        return cls(
            "bad_records",
            f'Tệp JSON không phải danh sách bản ghi (mảng hoặc {{"data": [...]}}): {detail_vi}',
            f'The JSON file is not a list of records (an array or {{"data": [...]}}): {detail_en}',
        )

    @classmethod
    def not_claims(cls, detail_vi: str, detail_en: str) -> Reason:
        return cls(
            "not_claims",
            f"Tệp XML không phải hồ sơ giám định BHYT (GIAMDINHHS, bảng XML1): {detail_vi}",
            f"The XML file is not a claims envelope (GIAMDINHHS with an XML1 table): {detail_en}",
        )

    @classmethod
    def unsafe_xml(cls, where_vi: str = "", where_en: str = "") -> Reason:
        """`where_*`: the part of the file (a claims table) that holds the declaration."""
        at_vi, at_en = (f" ({where_vi})", f" ({where_en})") if where_vi else ("", "")
        return cls(
            "unsafe_xml",
            f"Tệp XML khai báo thực thể hoặc tham chiếu ngoài (DTD/ENTITY){at_vi}; không được phép",
            f"The XML file declares entities or external references (DTD/ENTITY){at_en}; "
            "not allowed",
        )

    @classmethod
    def table_too_large(cls, kind: str, n: int, size: int, limit: int) -> Reason:
        return cls(
            "table_too_large",
            f"Bảng {kind} của FILEHOSO thứ {n} giải mã ra {size:,} byte, vượt giới hạn "
            f"{limit:,} byte; không mở",
            f"The {kind} table of FILEHOSO number {n} decodes to {size:,} bytes, over the "
            f"limit of {limit:,} bytes; not opened",
        )

    @classmethod
    def bad_encoding(cls) -> Reason:
        return cls(
            "bad_encoding",
            "Tệp có ký tự không đọc được: không phải UTF-8, UTF-16 hay Windows-1258 "
            "(hoặc trộn nhiều bảng mã); hãy lưu lại dạng UTF-8",
            "The file has characters that cannot be read: not UTF-8, UTF-16 or "
            "Windows-1258 (or a mix of encodings); save it again as UTF-8",
        )

    @classmethod
    def malformed_csv(cls, detail_vi: str, detail_en: str) -> Reason:
        return cls(
            "malformed_csv",
            f"Tệp CSV sai cấu trúc: {detail_vi}",
            f"The CSV is malformed: {detail_en}",
        )

    # -- what a hostile or careless delivery holds (issue 14) ------------------------------

    @classmethod
    def not_regular(cls, rel: str, kind_vi: str, kind_en: str) -> Reason:
        return cls(
            "not_regular",
            f"'{rel}' là {kind_vi}, không phải tệp thường: không mở, không đọc",
            f"'{rel}' is {kind_en}, not a regular file: not opened, not read",
        )

    @classmethod
    def bad_name(cls, escaped: str) -> Reason:
        return cls(
            "bad_name",
            f"Tên tệp hoặc thư mục không phải UTF-8 (byte lạ được ghi dạng \\xNN): '{escaped}'; "
            "hãy đặt lại tên bằng Unicode",
            f"The file or folder name is not UTF-8 (odd bytes shown as \\xNN): '{escaped}'; "
            "rename it in Unicode",
        )

    @classmethod
    def line_too_long(cls, line: int, limit: int) -> Reason:
        return cls(
            "line_too_long",
            f"Dòng {line:,} dài quá giới hạn {limit:,} byte",
            f"Line {line:,} is longer than the limit of {limit:,} bytes",
        )

    @classmethod
    def too_many_columns(cls, count: int, limit: int) -> Reason:
        return cls(
            "too_many_columns",
            f"Tệp có {count:,} cột, vượt giới hạn {limit:,} cột",
            f"The file has {count:,} columns, more than the limit of {limit:,}",
        )

    @classmethod
    def too_deep(cls, record: int, limit: int) -> Reason:
        return cls(
            "too_deep",
            f"Bản ghi JSON thứ {record:,} lồng nhau sâu quá {limit:,} cấp",
            f"JSON record {record:,} is nested deeper than {limit:,} levels",
        )

    @classmethod
    def record_too_large(cls, record: int, limit: int) -> Reason:
        return cls(
            "record_too_large",
            f"Bản ghi JSON thứ {record:,} dài quá giới hạn {limit:,} ký tự",
            f"JSON record {record:,} is longer than the limit of {limit:,} characters",
        )

    @classmethod
    def number_too_long(cls, record: int, limit: int) -> Reason:
        return cls(
            "number_too_long",
            f"Bản ghi JSON thứ {record:,} có một số dài quá {limit:,} chữ số",
            f"JSON record {record:,} holds a number longer than {limit:,} digits",
        )

    @classmethod
    def bad_text(cls, record: int) -> Reason:
        return cls(
            "bad_text",
            f"Bản ghi JSON thứ {record:,} có ký tự không hợp lệ (nửa cặp thay thế \\uD800-\\uDFFF "
            "đứng một mình)",
            f"JSON record {record:,} holds an invalid character (a lone surrogate \\uD800-\\uDFFF)",
        )

    @classmethod
    def failed(cls, error: str) -> Reason:
        """A file that broke the reading, parsing or checking in an unforeseen way. `error`
        names the error class and a short message without the file's cells."""
        return cls(
            "failed",
            f"Không xử lý được tệp (lỗi {error}); hãy kiểm tra và gửi lại",
            f"The file could not be processed ({error}); check it and send it again",
        )

    @classmethod
    def out_of_memory(cls, error: str) -> Reason:
        return cls(
            "out_of_memory",
            f"Xử lý tệp cần nhiều bộ nhớ hơn giới hạn ({error}); hãy chia nhỏ tệp",
            f"Processing the file needs more memory than the limit ({error}); split the file",
        )
