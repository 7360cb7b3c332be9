"""`procedure_status` (every province): each province's report on the decentralised
procedures of the ministry catalogue (the codes `procedures` published as loading)."""

from __future__ import annotations

from collections.abc import Iterator

from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.population import provincial_outputs

DATASET = "procedure_status"
PROVINCIAL = True  # one file per province, each a unit of its own (World.units)
AFTER = ("procedures",)
HEADER = [
    "province_code",
    "procedure_code",
    "implemented",
    "online_level",
    "portal_connected",
    "files_received",
    "files_online",
    "updated_at",
]
VI = {
    "province_code": "Mã tỉnh",
    "procedure_code": "Mã TTHC",
    "implemented": "Đã triển khai",
    "online_level": "Mức độ DVC",
    "portal_connected": "Đã kết nối Cổng DVCQG",
    "files_received": "Số hồ sơ tiếp nhận",
    "files_online": "Số hồ sơ trực tuyến",
    "updated_at": "Ngày cập nhật",
}
STAMPS = frozenset({"updated_at"})
UNKNOWN_CODE = "3.999999"  # never in the catalogue (codes are drawn below 999000)


def defects(w: World) -> list[Defect]:
    central = w.facts["procedure_codes"]["central"]

    def too_many_online(row, rng, ctx):
        row["files_received"] = rng.randint(0, 100)
        row["files_online"] = row["files_received"] + rng.randint(1, 50)

    out = standard_defects(w, DATASET)
    out += [
        Defect(
            DATASET,
            "unknown_procedure",
            "accurate",
            "error",
            setter("procedure_code", UNKNOWN_CODE),
        ),
        Defect(
            DATASET, "negative_files_received", "accurate", "error", setter("files_received", -5)
        ),
        Defect(DATASET, "more_online_than_received", "accurate", "error", too_many_online),
    ]
    if central:
        out.append(
            Defect(
                DATASET,
                "central_procedure_reported",
                "accurate",
                "error",
                setter("procedure_code", lambda r, rng: rng.choice(central)),
            )
        )
    return out


def _row(w: World, prov: str, code: str) -> dict:
    rng = w.rng
    implemented = rng.random() < 0.9
    received = rng.randint(0, 3000) if implemented else 0
    return {
        "province_code": prov,
        "procedure_code": code,
        "implemented": implemented,
        "online_level": rng.choices(["full", "partial", "none"], [4, 4, 2])[0]
        if implemented
        else "none",
        "portal_connected": implemented and rng.random() < 0.75,
        "files_received": received,
        "files_online": rng.randint(0, received),
        "updated_at": w.fresh_stamp(),
    }


def generate(w: World) -> Iterator[Output]:
    codes = w.facts["procedure_codes"]["decentralized"]
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="procedure_status_export",
        header=HEADER,
        vi=VI,
        make_rows=lambda prov: (_row(w, prov, c) for c in codes),
        rows=len(codes),
        catalogue=defects(w),
        stamps=STAMPS,
    )
