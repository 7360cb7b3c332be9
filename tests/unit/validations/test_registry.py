"""The registry is the data dictionary: every rule and column is described, in both
languages where a data officer reads it."""

from __future__ import annotations

import pytest

from validations.model import CRITERIA
from validations.registry import (
    DATABASES,
    DATASET_DATABASE,
    DATASETS,
    all_rules,
    datasets_of,
    delivered_by,
    load_order,
)

RULES = all_rules()


def test_there_are_twelve_scored_databases_and_the_procedures():
    assert sum(db.counts_in_scorecard for db in DATABASES) == 12
    assert len(DATASET_DATABASE) == 18
    assert len(DATABASES) == len({db.id for db in DATABASES}) == 13


def test_the_database_map_and_the_deliverers_come_from_the_descriptions():
    # DATASETS.md: the ministry delivers its registries and the procedure catalogue.
    moh = {"facilities", "practitioners", "drugs", "herbal_products", "medical_devices"}
    assert {ds for ds, who in delivered_by().items() if who == "moh"} == moh | {"procedures"}
    assert datasets_of("co_so_hanh_nghe") == ("facilities", "practitioners")
    assert set(datasets_of("tthc")) == {"procedures", "procedure_status"}
    assert datasets_of("no_such_database") == ()
    for db in DATABASES:
        assert datasets_of(db.id), f"{db.id} has no registered dataset"
        for ds in datasets_of(db.id):
            assert DATASETS[ds].database_id == db.id


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_is_complete(rule):
    assert rule.criterion in CRITERIA
    assert rule.severity in {"error", "warning"}
    assert rule.vi.strip() and rule.en.strip() and rule.vi != rule.en
    assert rule.id.split(".")[0] in DATASETS
    if rule.kind == "row":
        assert rule.check is not None
    if rule.kind == "sql":
        assert rule.sql


def test_rule_ids_are_unique():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("ds", DATASETS.values(), ids=list(DATASETS))
def test_every_dataset_is_described(ds):
    assert ds.database_id in {db.id for db in DATABASES}
    assert DATASET_DATABASE[ds.id] == ds.database_id
    assert set(ds.key) <= set(ds.column_names)
    assert "updated_at" in ds.column_names
    for col in ds.columns:
        assert col.description.strip(), f"{ds.id}.{col.name} has no description"
    assert any(r.kind == "unique" for r in ds.rules)


def test_referenced_datasets_load_first():
    order = load_order(DATASETS)
    for ds in DATASETS.values():
        for needed in (n for r in ds.rules for n in r.depends_on if n in DATASETS):
            if needed != ds.id:
                assert order.index(needed) < order.index(ds.id)


def test_with_sizes_referenced_datasets_come_first_then_the_largest():
    sizes = {ds: i for i, ds in enumerate(sorted(DATASETS))}
    order = load_order(DATASETS, sizes)
    referenced = {
        n
        for ds in DATASETS.values()
        for r in ds.rules
        for n in r.depends_on
        if n in DATASETS and n != ds.id
    }
    for ds in DATASETS.values():
        for needed in (n for r in ds.rules for n in r.depends_on if n in DATASETS):
            if needed != ds.id:
                assert order.index(needed) < order.index(ds.id)
    rest = [ds for ds in order if ds not in referenced]
    assert order[: len(referenced)] == [ds for ds in order if ds in referenced]
    assert rest == sorted(rest, key=lambda d: -sizes[d])


SQL_RULES = [(ds, r) for ds in DATASETS.values() for r in ds.rules if r.kind == "sql"]
EPISODE_LINES = ("visit_drugs", "visit_services")


@pytest.mark.parametrize(("ds", "rule"), SQL_RULES, ids=[r.id for _, r in SQL_RULES])
def test_a_sql_rule_lives_beside_its_dataset_and_declares_what_else_it_reads(ds, rule):
    import re
    from importlib import resources

    # A file of its own (`<dataset>.<name>.sql`), or one the claims line datasets share
    # (`episode.<name>.sql`, its staged rows as `stg_{dataset}`).
    shared = ds.id in EPISODE_LINES and rule.sql is not None and rule.sql.startswith("episode.")
    assert rule.sql and (rule.sql.startswith(f"{ds.id}.") or shared)
    path = resources.files("validations.datasets").joinpath("sql", f"{rule.sql}.sql")
    text = path.read_text(encoding="utf-8").format(dataset=ds.id)
    staged = set(re.findall(r"\bstg_([a-z_]+)", text)) & set(DATASETS)
    assert staged <= {ds.id}, f"{rule.id} reads another dataset's staged rows"
    read = set(re.findall(r"\bwh\.core\.([a-z_]+)", text))
    assert read - {ds.id} <= set(rule.depends_on), f"{rule.id} reads {read} undeclared"


def test_every_sql_file_beside_the_descriptions_belongs_to_its_dataset():
    """A file of validations/datasets/sql is named `<dataset>.<name>.sql` and is a set rule
    or a progress table of that dataset, or `episode.<name>.sql`, a set rule of both claims
    line datasets: nothing there is orphaned or run by name elsewhere."""
    from importlib import resources

    named = {r.sql for ds in DATASETS.values() for r in ds.rules if r.sql}
    named |= {name for ds in DATASETS.values() for name in ds.progress_sql}
    files = {
        f.name.removesuffix(".sql")
        for f in resources.files("validations.datasets").joinpath("sql").iterdir()
        if f.name.endswith(".sql")
    }
    assert files == named
    for ds in DATASETS.values():
        assert all(name.startswith(f"{ds.id}.") for name in ds.progress_sql)
