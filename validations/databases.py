"""The 12 specialised health databases and the procedures tracker (DATASETS.md).

Declared once, without their datasets: each dataset description names its database
(`Dataset.database_id`) and the registry derives the database → datasets map from them.
A database with no registered dataset yet still appears (it scores 0, nothing received).
"""

from __future__ import annotations

from validations.model import Database

DATABASES: tuple[Database, ...] = (
    Database("kcb", "Khám bệnh, chữa bệnh", "Medical examination and treatment"),
    Database("co_so_hanh_nghe", "Cơ sở KCB và người hành nghề", "Facilities and practitioners"),
    Database("duoc", "Dược", "Pharmaceuticals"),
    Database("y_duoc_co_truyen", "Y dược cổ truyền", "Traditional medicine"),
    Database("trang_thiet_bi", "Trang thiết bị y tế", "Medical devices"),
    Database("an_toan_thuc_pham", "An toàn thực phẩm", "Food safety"),
    Database("tiem_chung", "Tiêm chủng", "Immunisation"),
    Database("chung_sinh", "Giấy chứng sinh", "Births"),
    Database("bao_tu", "Giấy báo tử", "Deaths"),
    Database("bao_tro_xa_hoi", "Bảo trợ xã hội", "Social protection"),
    Database("so_suc_khoe", "Sổ sức khỏe điện tử, khám sức khỏe", "E-health book, health checks"),
    Database("nhan_luc", "Nhân lực y tế", "Health workforce"),
    Database("tthc", "Thủ tục hành chính", "Administrative procedures", counts_in_scorecard=False),
)
