"""`procedure_status` (every province): each province's report on the decentralised
procedures of the ministry catalogue (the codes `procedures` published as loading)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sample.generate.base import Defect, Output, World, setter, standard_defects
from sample.generate.columns import Columns
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


LEVELS = ["full", "partial", "none"]


def _columns(w: World, prov: str, codes: list[str], lo: int, end: int) -> dict[str, list]:
    """The province's rows `lo` to `end` (one per procedure), a column at a time from the
    unit's numpy stream (`columns.Columns`)."""
    c, n = Columns(w, DATASET, prov), end - lo
    implemented = c.g.random(n) < 0.9
    received = np.where(implemented, c.g.integers(0, 3001, n), 0)
    level = np.where(implemented, np.array(c.pick(LEVELS, n, [4, 4, 2])), "none")
    return {
        "province_code": [prov] * n,
        "procedure_code": codes[lo:end],
        "implemented": implemented.tolist(),
        "online_level": level.tolist(),
        "portal_connected": (implemented & (c.g.random(n) < 0.75)).tolist(),
        "files_received": received.tolist(),
        "files_online": (c.g.random(n) * (received + 1)).astype(np.int64).tolist(),
        "updated_at": c.fresh_stamps(n),
    }


def generate(w: World) -> Iterator[Output]:
    codes = w.facts["procedure_codes"]["decentralized"]
    return provincial_outputs(
        w,
        dataset=DATASET,
        kind="procedure_status_export",
        header=HEADER,
        vi=VI,
        make_part=lambda prov: lambda lo, end: _columns(w, prov, codes, lo, end),
        rows=len(codes),
        catalogue=defects(w),
        stamps=STAMPS,
    )
