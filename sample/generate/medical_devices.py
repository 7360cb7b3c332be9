"""`medical_devices` (moh): devices allowed on the market (Decree 98/2021/NĐ-CP). Classes A
and B are declared (`240001234/PCBA-HN`, no expiry); classes C and D are registered for a
term (`2400123ĐKLH/BYT-HTTB`, with valid_until). Publishes `device_registrations`."""

from __future__ import annotations

from datetime import timedelta

from sample.generate.base import Defect, Output, World, plant, standard_defects
from sample.generate.practitioners import authority

DATASET = "medical_devices"
HEADER = ["registration_no", "device_name", "risk_class", "owner_name", "valid_until", "updated_at"]
DEVICES = {
    "A": [
        "Băng gạc y tế",
        "Găng tay khám bệnh",
        "Nhiệt kế thủy ngân",
        "Giường bệnh nhân",
        "Khẩu trang y tế",
    ],
    "B": [
        "Máy đo huyết áp điện tử",
        "Bơm tiêm dùng một lần",
        "Máy đo đường huyết",
        "Kim luồn tĩnh mạch",
        "Máy xông khí dung",
    ],
    "C": [
        "Máy thở",
        "Máy siêu âm chẩn đoán",
        "Bơm tiêm điện",
        "Máy lọc máu",
        "Máy X-quang kỹ thuật số",
    ],
    "D": [
        "Stent mạch vành",
        "Máy tạo nhịp tim cấy ghép",
        "Van tim nhân tạo",
        "Khớp háng nhân tạo",
        "Máy tim phổi nhân tạo",
    ],
}
OWNERS = [
    "Công ty TNHH Thiết bị Y tế Việt Nhật",
    "Công ty Cổ phần Merufa",
    "Công ty TNHH Medtronic Việt Nam",
    "Công ty TNHH Siemens Healthineers Việt Nam",
    "Công ty Cổ phần Thiết bị Y tế Vinamed",
    "Công ty TNHH B. Braun Việt Nam",
    "Công ty Cổ phần Nhựa Y tế Mediplast",
    "Công ty TNHH Dược phẩm và Trang thiết bị Y tế Hoàng Đức",
]


def defects(w: World) -> list[Defect]:

    def no_expiry_for_class_c_d(row, rng, ctx):
        row["risk_class"], row["valid_until"] = rng.choice("CD"), None

    return [
        *standard_defects(w, DATASET),
        Defect(
            DATASET, "class_c_d_without_valid_until", "sufficient", "error", no_expiry_for_class_c_d
        ),
    ]


def _row(w: World, risk: str, used: set[str]) -> dict:
    rng, d = w.rng, w.run_date
    year = rng.randint(19, 25)
    while True:
        if risk in "AB":
            prov = rng.choice(w.provinces)
            number = f"{year:02d}{rng.randrange(10**7):07d}/PCB{risk}-{authority(w, prov)}"
        else:
            number = f"{year:02d}{rng.randrange(10**5):05d}ĐKLH/BYT-HTTB"
        if number not in used:
            used.add(number)
            break
    return {
        "registration_no": number,
        "device_name": rng.choice(DEVICES[risk]),
        "risk_class": risk,
        "owner_name": rng.choice(OWNERS),
        "valid_until": (d + timedelta(days=rng.randint(-200, 1800)) if risk in "CD" else None),
        "updated_at": w.fresh_stamp(days=25),
    }


def generate(w: World) -> list[Output]:
    rng = w.rng
    size = max(
        20, round(2 * w.spec.registry_rows_per_province * w.spec.scale**0.5 * len(w.provinces))
    )
    used: set[str] = set()
    rows = [_row(w, rng.choice("AABBBCCD"), used) for _ in range(size)]
    planted = plant(rows, defects(w), w.spec, rng, [0, 0], {})
    broken = {rows[i]["registration_no"] for i, x in planted if x.severity == "error"}
    w.facts["device_registrations"] = [
        r["registration_no"] for r in rows if r["registration_no"] not in broken
    ]
    return [
        Output(
            rel=w.night_path("moh", "medical_devices.csv"),
            expected_status="loaded",
            kind="medical_devices_register",
            header=HEADER,
            rows=rows,
            planted=planted,
            dates=frozenset({"valid_until"}),
            stamps=frozenset({"updated_at"}),
        )
    ]
