"""`drugs` (moh): the register of drug registrations (số đăng ký), pre-2022 numbers
(`VD-12345-19`) and the 12-digit numbering of Circular 08/2022/TT-BYT side by side.

Publishes `drug_registrations`: {"valid": [...], "expired": [...]}, each a list of
(registration_no, drug_name, valid_until) of registrations that load cleanly; the register
keeps expired registrations, which is not a defect of the register."""

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

DATASET = "drugs"
HEADER = [
    "registration_no",
    "drug_name",
    "active_ingredient",
    "dosage_form",
    "manufacturer",
    "country",
    "valid_until",
    "updated_at",
]
# Vietnamese headers, as the drug administration's export writes them.
HEADER_VI = [
    "Số đăng ký",
    "Tên thuốc",
    "Hoạt chất",
    "Dạng bào chế",
    "Cơ sở sản xuất",
    "Nước sản xuất",
    "Ngày hết hiệu lực",
    "Ngày cập nhật",
]
TO_VI = dict(zip(HEADER, HEADER_VI, strict=True))
# (active ingredient, strengths, dosage form)
MOLECULES = [
    ("Paracetamol", ["500mg", "650mg", "250mg"], "Viên nén"),
    ("Amoxicilin", ["500mg", "250mg"], "Viên nang cứng"),
    ("Cefuroxim", ["500mg", "250mg"], "Viên nén bao phim"),
    ("Metformin", ["500mg", "850mg", "1000mg"], "Viên nén bao phim"),
    ("Amlodipin", ["5mg", "10mg"], "Viên nén"),
    ("Omeprazol", ["20mg", "40mg"], "Viên nang cứng"),
    ("Losartan", ["50mg", "100mg"], "Viên nén bao phim"),
    ("Atorvastatin", ["10mg", "20mg"], "Viên nén bao phim"),
    ("Ibuprofen", ["400mg", "200mg"], "Viên nén"),
    ("Salbutamol", ["2mg", "4mg"], "Viên nén"),
    ("Azithromycin", ["250mg", "500mg"], "Viên nén bao phim"),
    ("Ciprofloxacin", ["500mg"], "Viên nén bao phim"),
    ("Vitamin C", ["500mg"], "Viên nén sủi"),
    ("Natri clorid", ["0,9%"], "Dung dịch tiêm truyền"),
    ("Glucose", ["5%"], "Dung dịch tiêm truyền"),
    ("Insulin", ["100IU/ml"], "Dung dịch tiêm"),
    ("Ceftriaxon", ["1g"], "Bột pha tiêm"),
    ("Methylprednisolon", ["16mg", "4mg"], "Viên nén"),
    ("Loratadin", ["10mg"], "Viên nén"),
    ("Diclofenac", ["50mg", "75mg"], "Viên nén bao tan trong ruột"),
]
DOMESTIC = [
    "Công ty Cổ phần Dược Hậu Giang",
    "Công ty Cổ phần Traphaco",
    "Công ty Cổ phần Pymepharco",
    "Công ty Cổ phần Dược phẩm Imexpharm",
    "Công ty Cổ phần Dược phẩm OPC",
    "Công ty TNHH MTV Dược phẩm DHG",
    "Công ty Cổ phần Dược phẩm Trung ương Mediplantex",
    "Công ty Cổ phần Dược phẩm Hà Tây",
    "Công ty Cổ phần Dược phẩm Savi",
]
FOREIGN = [
    ("Sanofi Winthrop Industrie", "FR"),
    ("Pfizer Manufacturing Deutschland", "DE"),
    ("Cipla Ltd.", "IN"),
    ("Sun Pharmaceutical Industries Ltd.", "IN"),
    ("Hanmi Pharm. Co., Ltd.", "KR"),
    ("Gedeon Richter Plc.", "HU"),
    ("Abbott Laboratories GmbH", "DE"),
    ("Novartis Pharma Stein AG", "CH"),
    ("Zhejiang Huahai Pharmaceutical Co., Ltd.", "CN"),
    ("Laboratorios Cinfa", "ES"),
]
GS1 = {
    "VN": "893",
    "FR": "300",
    "DE": "400",
    "IN": "890",
    "KR": "880",
    "HU": "599",
    "CH": "760",
    "CN": "690",
    "ES": "840",
}


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
                        r["registration_no"].replace("-", " ")
                        if "-" in r["registration_no"]
                        else r["registration_no"][:6] + " " + r["registration_no"][6:],
                        "SĐK " + r["registration_no"],
                        r["registration_no"][:-1],
                        r["registration_no"] + "-2019",
                    ]
                ),
            ),
        ),
        Defect(
            DATASET,
            "country_not_iso",
            "accurate",
            "error",
            setter("country", lambda r, rng: rng.choice(["Việt Nam", "VNM", "Ấn Độ", "UK"])),
        ),
    ]


def _registration(w: World, country: str, year: int, used: set[str]) -> str:
    rng = w.rng
    while True:
        if year >= 22 and rng.random() < 0.7:  # the 2022 numbering
            kind = rng.choice("1112")
            serial = f"{rng.randrange(10):d}{rng.randrange(10**5):05d}"
            number = f"{GS1[country]}{kind}{serial}{year:02d}"
        else:
            prefix = (
                ("VD" if country == "VN" else "VN")
                if rng.random() < 0.85
                else rng.choice(["VS", "GC", "QLĐB", "QLSP", "QLVX"])
            )
            number = f"{prefix}-{rng.randrange(1, 40000)}-{year:02d}"
        if number not in used:
            used.add(number)
            return number


def _row(w: World, used: set[str]) -> dict:
    rng, d = w.rng, w.run_date
    molecule, strengths, form = rng.choice(MOLECULES)
    if rng.random() < 0.6:
        manufacturer, country = rng.choice(DOMESTIC), "VN"
    else:
        manufacturer, country = rng.choice(FOREIGN)
    year = rng.randint(17, 25)
    expired = rng.random() < 0.1
    valid_until = (
        d - timedelta(days=rng.randint(10, 400))
        if expired
        else d + timedelta(days=rng.randint(30, 1800))
    )
    return {
        "registration_no": _registration(w, country, year, used),
        "drug_name": f"{molecule} {rng.choice(strengths)}",
        "active_ingredient": molecule,
        "dosage_form": form,
        "manufacturer": manufacturer,
        "country": country,
        "valid_until": valid_until,
        "updated_at": w.fresh_stamp(days=20),
    }


def generate(w: World) -> list[Output]:
    rng, d = w.rng, w.run_date
    size = max(
        20, round(2 * w.spec.registry_rows_per_province * w.spec.scale**0.5 * len(w.provinces))
    )
    used: set[str] = set()
    rows = [_row(w, used) for _ in range(size)]
    planted = plant(rows, defects(w), w.spec, rng, [0, 0], {})
    broken = {rows[i]["registration_no"] for i, x in planted if x.severity == "error"}
    usable = [
        (r["registration_no"], r["drug_name"], r["valid_until"])
        for r in rows
        if r["registration_no"] not in broken
    ]
    w.facts["drug_registrations"] = {
        "valid": [u for u in usable if u[2] > d],
        "expired": [u for u in usable if u[2] < d - timedelta(days=7)],
    }
    return [
        Output(
            rel=w.night_path("moh", "drugs.csv"),
            expected_status="loaded",
            kind="drugs_register",
            header=HEADER_VI,
            rows=[{TO_VI[k]: v for k, v in r.items()} for r in rows],
            planted=planted,
            layout=Layout(local_dates=True),
            dates=frozenset({"Ngày hết hiệu lực"}),
            stamps=frozenset({"Ngày cập nhật"}),
        )
    ]
