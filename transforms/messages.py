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
        return cls("outside_layout",
                   f"Tệp '{rel}' không nằm đúng cấu trúc <ngày>/<nguồn>/<bộ dữ liệu>.<đuôi>",
                   f"File '{rel}' is outside the layout <date>/<source>/<dataset>.<ext>")

    @classmethod
    def unknown_source(cls, source: str) -> Reason:
        return cls("unknown_source",
                   f"Nguồn '{source}' không phải 'moh' hoặc mã tỉnh 'pNN' hợp lệ",
                   f"Source '{source}' is neither 'moh' nor a valid province 'pNN'")

    @classmethod
    def unknown_format(cls, name: str) -> Reason:
        return cls("unknown_format",
                   f"Tên tệp '{name}' không hợp lệ hoặc định dạng không được hỗ trợ "
                   "(csv, xlsx, json, xml)",
                   f"File name '{name}' is not valid or its format is not supported "
                   "(csv, xlsx, json, xml)")

    @classmethod
    def unknown_dataset(cls, dataset: str | None) -> Reason:
        return cls("unknown_dataset",
                   f"Bộ dữ liệu '{dataset}' không có trong danh mục",
                   f"Dataset '{dataset}' is not a known dataset")

    @classmethod
    def not_registered(cls, dataset: str) -> Reason:
        return cls("not_registered",
                   f"Bộ dữ liệu '{dataset}' chưa được hệ thống tiếp nhận",
                   f"Dataset '{dataset}' is not yet accepted by the pipeline")

    @classmethod
    def wrong_source(cls, dataset: str, source: str, expected: str) -> Reason:
        who_vi = "Bộ Y tế (moh)" if expected == "moh" else "các tỉnh (pNN)"
        who_en = "the ministry (moh)" if expected == "moh" else "provinces (pNN)"
        return cls("wrong_source",
                   f"Bộ dữ liệu '{dataset}' do {who_vi} gửi, không phải '{source}'",
                   f"Dataset '{dataset}' is delivered by {who_en}, not by '{source}'")

    @classmethod
    def missing_columns(cls, columns: list[str]) -> Reason:
        shown = ", ".join(columns)
        return cls("missing_columns",
                   f"Thiếu cột bắt buộc: {shown}", f"Required columns missing: {shown}")

    @classmethod
    def empty(cls) -> Reason:
        return cls("empty", "Tệp rỗng hoặc chỉ có dòng tiêu đề",
                   "The file is empty or holds only a header")

    @classmethod
    def unreadable(cls, detail: str) -> Reason:
        return cls("unreadable", f"Không đọc được tệp: {detail}",
                   f"The file cannot be read: {detail}")

    @classmethod
    def too_large(cls, size: int, limit: int) -> Reason:
        return cls("too_large",
                   f"Tệp quá lớn ({size:,} byte, giới hạn {limit:,} byte)",
                   f"The file is too large ({size:,} bytes, limit {limit:,} bytes)")

    @classmethod
    def duplicate(cls, run_id: str) -> Reason:
        return cls("duplicate",
                   f"Tệp có nội dung trùng với tệp đã nạp ở lần chạy {run_id}; không nạp lại",
                   f"Same content as a file already loaded in run {run_id}; not loaded again")
