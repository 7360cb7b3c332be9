"""Vietnamese and English labels of the report's columns, criteria and statuses, and the
colours of the ratings (one place, shared by the HTML page and the workbooks)."""

from __future__ import annotations

from validations.databases import DATABASES
from validations.registry import DATASETS

# column -> (Vietnamese, English)
COLUMNS: dict[str, tuple[str, str]] = {
    "run_date": ("Ngày dữ liệu", "run date"),
    "database_id": ("Mã CSDL", "database id"),
    "database_name_vi": ("Tên CSDL", "database (vi)"),
    "database_name_en": ("Tên CSDL (tiếng Anh)", "database (en)"),
    "province_code": ("Mã tỉnh", "province code"),
    "province_name": ("Tên tỉnh", "province"),
    "rows_received": ("Số dòng nhận", "rows received"),
    "rows_accepted": ("Số dòng nạp", "rows accepted"),
    "rows_quarantined": ("Số dòng cách ly", "rows quarantined"),
    "accurate_pct": ("Đúng (%)", "accurate %"),
    "sufficient_pct": ("Đủ (%)", "sufficient %"),
    "clean_pct": ("Sạch (%)", "clean %"),
    "up_to_date_pct": ("Sống (%)", "up-to-date %"),
    "overall_pct": ("Tổng hợp (%)", "overall %"),
    "rating": ("Xếp loại", "rating"),
    "delta_1d": ("Thay đổi 1 ngày", "change 1 day"),
    "delta_7d": ("Thay đổi 7 ngày", "change 7 days"),
    "delta_30d": ("Thay đổi 30 ngày", "change 30 days"),
    "source": ("Nguồn", "source"),
    "dataset": ("Bộ dữ liệu", "dataset"),
    "expected": ("Phải gửi", "expected"),
    "status": ("Tình trạng", "status"),
    "files": ("Số tệp", "files"),
    "rows": ("Số dòng", "rows"),
    "total": ("Tổng số TTHC", "procedures"),
    "central": ("Cấp trung ương", "central"),
    "province_level": ("Cấp tỉnh", "province level"),
    "commune_level": ("Cấp xã", "commune level"),
    "decentralized": ("Phân cấp", "decentralised"),
    "portal_eligible": ("Đủ điều kiện tích hợp", "portal eligible"),
    "portal_integrated": ("Đã tích hợp Cổng DVCQG", "portal integrated"),
    "integration_rate_pct": ("Tỷ lệ tích hợp (%)", "integration rate %"),
    "full_online": ("Trực tuyến toàn trình", "full online"),
    "partial_online": ("Trực tuyến một phần", "partial online"),
    "not_online": ("Chưa trực tuyến", "not online"),
    "standardized": ("Đã chuẩn hóa", "standardised"),
    "standardized_pct": ("Tỷ lệ chuẩn hóa (%)", "standardised %"),
    "baseline_cost": ("Chi phí gốc (VND)", "baseline cost (VND)"),
    "current_cost": ("Chi phí hiện tại (VND)", "current cost (VND)"),
    "cost_reduction_pct": ("Cắt giảm chi phí (%)", "cost reduction %"),
    "cost_target_low_pct": ("Mục tiêu thấp (%)", "target low %"),
    "cost_target_high_pct": ("Mục tiêu cao (%)", "target high %"),
    "cost_target_status": ("So với mục tiêu", "against target"),
    "reported": ("Đã báo cáo", "reported"),
    "implemented": ("Đã triển khai", "implemented"),
    "implemented_pct": ("Tỷ lệ triển khai (%)", "implemented %"),
    "portal_connected": ("Kết nối Cổng", "portal connected"),
    "files_received": ("Hồ sơ tiếp nhận", "applications received"),
    "files_online": ("Hồ sơ trực tuyến", "applications online"),
    "metric": ("Chỉ tiêu", "metric"),
    "subject": ("Đối tượng", "subject"),
    "value": ("Giá trị", "value"),
    "target": ("Mục tiêu", "target"),
    "target_high": ("Mục tiêu cao", "target high"),
    "green": ("Ngưỡng xanh", "green at"),
    "amber": ("Ngưỡng vàng", "amber at"),
    "deadline": ("Hạn", "deadline"),
    "days_left": ("Số ngày còn lại", "days left"),
    "met": ("Đạt", "met"),
    "on_track": ("Đúng tiến độ", "on track"),
    "band_status": ("So với khoảng mục tiêu", "against band"),
    "description_vi": ("Mô tả", "description (vi)"),
    "description_en": ("Mô tả (tiếng Anh)", "description (en)"),
    "open_rows": ("Bản ghi còn cách ly", "open records"),
    "resolved_rows": ("Bản ghi đã khắc phục", "resolved records"),
    "oldest_open_since": ("Cách ly từ ngày", "oldest open since"),
    "oldest_open_days": ("Số ngày cách ly lâu nhất", "oldest open (days)"),
    "rule_id": ("Mã quy tắc", "rule id"),
    "criterion": ("Tiêu chí", "criterion"),
    "severity": ("Mức độ", "severity"),
    "rows_failed": ("Số dòng vi phạm", "rows failed"),
    "rows_in": ("Số dòng nhận", "rows in"),
    "files_rejected": ("Số tệp bị từ chối", "files rejected"),
    "file_errors": ("Lý do từ chối tệp", "why files were rejected"),
    "rows_loaded": ("Số dòng nạp", "rows loaded"),
    "source_file": ("Tệp", "file"),
    "row_number": ("Dòng số", "row"),
    "record_key": ("Khóa bản ghi", "record key"),
    "reason_vi": ("Lý do", "reason (vi)"),
    "reason_en": ("Lý do (tiếng Anh)", "reason (en)"),
    "raw": ("Dữ liệu gốc (đã che)", "original row (masked)"),
    "dataset_name": ("Tên bộ dữ liệu", "dataset name"),
    "first_quarantined_on": ("Cách ly lần đầu", "first quarantined on"),
    "nights_open": ("Số đêm còn cách ly", "nights open"),
    "last_quarantined_on": ("Cách ly lần gần nhất", "last quarantined on"),
    "database_name": ("Tên CSDL", "database"),
    "source_name": ("Tên nguồn", "source name"),
    "subject_name": ("Tên đối tượng", "subject name"),
}

CRITERIA: dict[str, tuple[str, str]] = {
    "accurate": ("Đúng", "accurate"),
    "sufficient": ("Đủ", "sufficient"),
    "clean": ("Sạch", "clean"),
    "up_to_date": ("Sống", "up-to-date"),
}

STATUSES: dict[str, tuple[str, str]] = {
    "received": ("Đã nhận", "received"),
    "late": ("Trễ hạn", "late"),
    "missing": ("Chưa gửi", "missing"),
    "rejected": ("Bị từ chối", "rejected"),
}

RATINGS: dict[str, tuple[str, str]] = {
    "green": ("Tốt", "green"),
    "amber": ("Cần cải thiện", "amber"),
    "red": ("Chưa đạt", "red"),
    "no_data": ("Chưa có dữ liệu", "no data"),
}

SEVERITIES: dict[str, tuple[str, str]] = {
    "error": ("Lỗi (cách ly)", "error, quarantined"),
    "warning": ("Cảnh báo (vẫn nạp)", "warning, loaded"),
}

BOOLEANS: dict[bool, str] = {True: "có", False: "không"}

# Where a value stands against a target band (`band_status`, `cost_target_status`).
BANDS: dict[str, tuple[str, str]] = {
    "below": ("Dưới mục tiêu", "below target"),
    "within": ("Trong khoảng mục tiêu", "within target"),
    "above": ("Vượt khoảng mục tiêu", "above target"),
}

# Short names of the datasets for charts and tables; a dataset not listed shows the first
# words of its description (validations/datasets/<id>.py).
DATASET_NAMES: dict[str, tuple[str, str]] = {
    "visits": ("Lượt KCB", "visits"),
    "visit_drugs": ("Thuốc trong lượt KCB", "visit drugs"),
    "visit_services": ("Dịch vụ trong lượt KCB", "visit services"),
    "facilities": ("Cơ sở KCB", "facilities"),
    "practitioners": ("Người hành nghề", "practitioners"),
    "drugs": ("Danh mục thuốc", "drug register"),
    "prescriptions": ("Đơn thuốc", "prescriptions"),
    "herbal_products": ("Thuốc cổ truyền", "herbal products"),
    "medical_devices": ("Trang thiết bị", "medical devices"),
    "food_establishments": ("Cơ sở thực phẩm", "food businesses"),
    "immunizations": ("Mũi tiêm", "vaccine doses"),
    "births": ("Giấy chứng sinh", "births"),
    "deaths": ("Giấy báo tử", "deaths"),
    "social_protection": ("Trợ cấp xã hội", "social allowances"),
    "health_checks": ("Khám sức khỏe", "health checks"),
    "workforce": ("Nhân lực", "workforce"),
    "procedures": ("Danh mục TTHC", "procedures"),
    "procedure_status": ("TTHC tại tỉnh", "procedures in provinces"),
}

# Subjects of a target that are not a database id.
SUBJECTS: dict[str, tuple[str, str]] = {
    "*": ("Mọi CSDL", "every database"),
    "all": ("Mọi nguồn", "all sources"),
    "tthc": ("Thủ tục hành chính", "administrative procedures"),
}

METRICS: dict[str, tuple[str, str]] = {
    "overall_pct": ("Điểm tổng hợp CSDL", "database overall score"),
    "cost_reduction_pct": ("Cắt giảm chi phí tuân thủ TTHC", "procedures' cost reduction"),
    "integration_rate_pct": ("Tích hợp Cổng DVCQG", "portal integration rate"),
    "full_online_pct": ("DVC trực tuyến toàn trình", "full online service"),
    "standardized_pct": ("TTHC phân cấp đã chuẩn hóa", "standardised procedures"),
    "on_time_delivery_pct": ("Gửi dữ liệu đúng hạn", "deliveries on time"),
}

# Fills (light, for table cells) and strokes (for marks) of each rating / status.
RATING_FILL = {"green": "C8E6C9", "amber": "FFE0B2", "red": "FFCDD2", "no_data": "E0E0E0"}
STATUS_FILL = {"received": "C8E6C9", "late": "FFE0B2", "missing": "FFCDD2", "rejected": "EF9A9A"}
CRITERION_COLOUR = {
    "accurate": "#1f77b4",
    "sufficient": "#9467bd",
    "clean": "#17becf",
    "up_to_date": "#ff7f0e",
}


def dataset_name(dataset: str) -> tuple[str, str]:
    """(Vietnamese, English) short name of a dataset."""
    if dataset in DATASET_NAMES:
        return DATASET_NAMES[dataset]
    ds = DATASETS.get(dataset)
    if ds is None:
        return dataset, dataset
    return ds.description_vi.split(",")[0][:28], ds.description_en.split(",")[0][:28]


def database_name(database_id: str) -> tuple[str, str]:
    """(Vietnamese, English) name of a database (the id itself when unknown)."""
    for db in DATABASES:
        if db.id == database_id:
            return db.name_vi, db.name_en
    return database_id, database_id


def source_name(source: str, provinces: dict[str, str]) -> str:
    """`moh` → Bộ Y tế, `p79` (or `79`) → the province's name, anything else as it is."""
    if source == "moh":
        return "Bộ Y tế"
    code = source[1:] if source.startswith("p") else source
    return provinces.get(code, source)


def column_label(name: str) -> tuple[str, str]:
    return COLUMNS.get(name, (name, name))


def bilingual(pair: tuple[str, str]) -> str:
    vi, en = pair
    return vi if vi == en else f"{vi} / {en}"
