"""`herbal_products` (moh): the register of traditional medicines (`V123-H12-19`, or a
drug-format number for the newer ones). Publishes `herbal_registrations` (numbers that load
cleanly)."""

from __future__ import annotations

from datetime import timedelta

from sample.generate.base import (
    Defect,
    Output,
    World,
    plant,
    setter,
    standard_defects,
)
from sample.generate.writers import Layout

DATASET = "herbal_products"
HEADER = [
    "registration_no",
    "product_name",
    "ingredients",
    "manufacturer",
    "valid_until",
    "updated_at",
]
# (product, ingredients)
PRODUCTS = [
    ("Hoạt huyết dưỡng não", "Đinh lăng, Bạch quả"),
    ("Boganic", "Actiso, Rau đắng đất, Bìm bìm biếc"),
    ("Cao ích mẫu", "Ích mẫu, Hương phụ, Ngải cứu"),
    ("Thuốc ho bổ phế", "Bách bộ, Cát cánh, Mạch môn, Trần bì"),
    ("Viên an thần", "Lạc tiên, Vông nem, Lá dâu"),
    ("Siro ho Bảo Thanh", "Xuyên bối mẫu, Tỳ bà diệp, Sa sâm, Cam thảo"),
    ("Phong tê thấp", "Hy thiêm, Ngưu tất, Quế chi, Thiên niên kiện"),
    ("Bổ trung ích khí", "Hoàng kỳ, Đảng sâm, Bạch truật, Cam thảo, Đương quy"),
    ("Lục vị hoàn", "Thục địa, Hoài sơn, Sơn thù, Phục linh, Trạch tả, Đan bì"),
    ("Diệp hạ châu", "Diệp hạ châu, Nhân trần, Cỏ nhọ nồi"),
    ("Viên sáng mắt", "Thục địa, Câu kỷ tử, Cúc hoa, Hoài sơn"),
    ("Trà gừng", "Gừng tươi"),
]
FORMS = ["viên nang", "viên hoàn", "cao lỏng", "siro", "viên nén bao đường", "cốm"]
MANUFACTURERS = [
    "Công ty Cổ phần Traphaco",
    "Công ty Cổ phần Dược phẩm OPC",
    "Công ty Cổ phần Dược phẩm Nam Hà",
    "Công ty TNHH Dược phẩm Hoa Linh",
    "Công ty TNHH Đông dược Bảo Long",
    "Công ty Cổ phần Dược Danapha",
    "Công ty Cổ phần Dược phẩm Thành Phát",
    "Công ty TNHH Nam Dược",
]


def defects(w: World) -> list[Defect]:

    return [
        *standard_defects(w, DATASET),
        Defect(
            DATASET,
            "invalid_registration_no",
            "accurate",
            "error",
            setter(
                "registration_no",
                lambda r, rng: rng.choice(
                    [
                        "SĐK " + r["registration_no"],
                        r["registration_no"] + "/BYT",
                        "H" + r["registration_no"],
                    ]
                ),
            ),
        ),
    ]


def _registration(w: World, year: int, used: set[str]) -> str:
    rng = w.rng
    while True:
        if year >= 22 and rng.random() < 0.5:  # the 2022 numbering (traditional medicine)
            number = f"8932{rng.randrange(10):d}{rng.randrange(10**5):05d}{year:02d}"
        else:
            number = f"V{rng.randrange(1, 3000)}-H{rng.randrange(1, 40):02d}-{year:02d}"
        if number not in used:
            used.add(number)
            return number


def generate(w: World) -> list[Output]:
    rng, d = w.rng, w.run_date
    size = max(
        20, round(2 * w.spec.registry_rows_per_province * w.spec.scale**0.5 * len(w.provinces))
    )
    used: set[str] = set()
    rows = []
    for _ in range(size):
        product, ingredients = rng.choice(PRODUCTS)
        year = rng.randint(16, 25)
        rows.append(
            {
                "registration_no": _registration(w, year, used),
                "product_name": f"{product} ({rng.choice(FORMS)})",
                "ingredients": ingredients,
                "manufacturer": rng.choice(MANUFACTURERS),
                "valid_until": d + timedelta(days=rng.randint(-300, 1800)),
                "updated_at": w.fresh_stamp(days=25),
            }
        )
    planted = plant(rows, defects(w), w.spec, rng, [0, 0], {})
    broken = {rows[i]["registration_no"] for i, x in planted if x.severity == "error"}
    w.facts["herbal_registrations"] = [
        r["registration_no"] for r in rows if r["registration_no"] not in broken
    ]
    return [
        Output(
            rel=w.night_path("moh", "herbal_products.csv"),
            expected_status="loaded",
            kind="herbal_products_register",
            header=HEADER,
            rows=rows,
            planted=planted,
            layout=Layout(delimiter=";"),
            dates=frozenset({"valid_until"}),
            stamps=frozenset({"updated_at"}),
        )
    ]
