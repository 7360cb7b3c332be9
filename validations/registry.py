"""The registry: the 12 specialised databases, the procedures tracker, and the datasets
that feed them. This is the one place to change the mapping; the engine reads it."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from graphlib import TopologicalSorter

from validations import datasets as _datasets_pkg
from validations.model import Database, Dataset, Rule

DATABASES: tuple[Database, ...] = (
    Database("kcb", "Khám bệnh, chữa bệnh", "Medical examination and treatment", ("visits",)),
    Database(
        "co_so_hanh_nghe",
        "Cơ sở KCB và người hành nghề",
        "Facilities and practitioners",
        ("facilities", "practitioners"),
    ),
    Database("duoc", "Dược", "Pharmaceuticals", ("drugs", "prescriptions")),
    Database("y_duoc_co_truyen", "Y dược cổ truyền", "Traditional medicine", ("herbal_products",)),
    Database("trang_thiet_bi", "Trang thiết bị y tế", "Medical devices", ("medical_devices",)),
    Database("an_toan_thuc_pham", "An toàn thực phẩm", "Food safety", ("food_establishments",)),
    Database("tiem_chung", "Tiêm chủng", "Immunisation", ("immunizations",)),
    Database("chung_sinh", "Giấy chứng sinh", "Births", ("births",)),
    Database("bao_tu", "Giấy báo tử", "Deaths", ("deaths",)),
    Database("bao_tro_xa_hoi", "Bảo trợ xã hội", "Social protection", ("social_protection",)),
    Database(
        "so_suc_khoe",
        "Sổ sức khỏe điện tử, khám sức khỏe",
        "E-health book, health checks",
        ("health_checks",),
    ),
    Database("nhan_luc", "Nhân lực y tế", "Health workforce", ("workforce",)),
    Database(
        "tthc",
        "Thủ tục hành chính",
        "Administrative procedures",
        ("procedures", "procedure_status"),
        counts_in_scorecard=False,
    ),
)


def _discover() -> dict[str, Dataset]:
    """Every `validations/datasets/<id>.py` module that defines `DATASET`: adding a dataset
    is adding its module."""
    found: dict[str, Dataset] = {}
    for info in sorted(pkgutil.iter_modules(_datasets_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{_datasets_pkg.__name__}.{info.name}")
        ds = getattr(module, "DATASET", None)
        if isinstance(ds, Dataset):
            if ds.id != info.name:
                raise ValueError(f"module {info.name} describes dataset {ds.id}")
            found[ds.id] = ds
    return found


# Datasets that are registered (described and checked). The databases above name every
# export of DATASETS.md; those not registered yet score 0 as "nothing received".
DATASETS: dict[str, Dataset] = _discover()

DATASET_DATABASE: dict[str, str] = {name: db.id for db in DATABASES for name in db.datasets}


def known_dataset_ids() -> frozenset[str]:
    """Every dataset id named by a database, registered or not."""
    return frozenset(DATASET_DATABASE)


def all_rules() -> list[Rule]:
    return [rule for ds in DATASETS.values() for rule in ds.rules]


def load_order(dataset_ids: Iterable[str], sizes: dict[str, int] | None = None) -> list[str]:
    """Datasets in an order where every referenced dataset loads before its referrers.

    With `sizes` (say, bytes delivered), among the datasets whose references are loaded it
    takes first those that others reference, then the largest: a night staging in this
    order can finish the big datasets while the small ones are still being staged, instead
    of finishing a big one after all staging is done."""
    wanted = set(dataset_ids)
    graph = {
        ds_id: {
            needed
            for rule in DATASETS[ds_id].rules
            for needed in rule.depends_on
            if needed in DATASETS and needed != ds_id
        }
        for ds_id in DATASETS
    }
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    referenced = set().union(*graph.values())
    sizes = sizes or {}
    order: list[str] = []
    ready: list[str] = []
    while sorter.is_active():
        ready += sorter.get_ready()
        ready.sort(key=lambda d: (d not in referenced, -sizes.get(d, 0), d))
        ds = ready.pop(0)
        order.append(ds)
        sorter.done(ds)
    return [ds for ds in order if ds in wanted]
