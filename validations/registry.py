"""The registry: the datasets described in `validations/datasets/<id>.py`, and what is
derived from them: which datasets feed each database (validations/databases.py declares
the databases alone), who delivers each, every rule, the load order. Adding a dataset is
adding its module; the engine reads this."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from graphlib import TopologicalSorter

from validations import datasets as _datasets_pkg
from validations.databases import DATABASES
from validations.model import Dataset, Rule


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


# Datasets that are registered (described and checked), by id.
DATASETS: dict[str, Dataset] = _discover()


def _check_databases() -> None:
    known = {db.id for db in DATABASES}
    for ds in DATASETS.values():
        if ds.database_id not in known:
            raise ValueError(f"{ds.id} names an unknown database {ds.database_id!r}")


_check_databases()

# Dataset id -> database id, in the order of DATABASES (then of the datasets' ids).
DATASET_DATABASE: dict[str, str] = {
    ds.id: db.id for db in DATABASES for ds in DATASETS.values() if ds.database_id == db.id
}


def datasets_of(database_id: str) -> tuple[str, ...]:
    """The registered datasets of a database (none for a database not yet fed)."""
    return tuple(ds for ds, db in DATASET_DATABASE.items() if db == database_id)


def delivered_by() -> dict[str, str]:
    """Who delivers each registered dataset: `moh` or `province` (DATASETS.md, Sources)."""
    return {ds.id: ds.delivered_by for ds in DATASETS.values()}


def known_dataset_ids() -> frozenset[str]:
    """Every registered dataset id."""
    return frozenset(DATASETS)


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
