"""Every dataset's row rules, from the descriptions alone: the dataset's example row passes
every rule, and for each rule its breaker makes that row fail exactly that rule. Adding a
dataset adds its cases here without a test file of its own."""

from __future__ import annotations

import pytest

from tests.conftest import RUN_DATE, rule_settings
from tests.factories import failures, row
from transforms.ingest.context import make_context
from validations.model import Dataset, Rule
from validations.registry import DATASETS

ROW_RULES = [(ds, r) for ds in DATASETS.values() for r in ds.rules if r.kind == "row"]

# Row rules that no override of the example row can make fail alone, with the reason.
NOT_BREAKABLE_ALONE: dict[str, str] = {}

# Rules that, broken, drag a companion with them by design.
ALSO_FAILS: dict[str, tuple[set[str], str]] = {}


def _companions(ds: Dataset, rule: Rule) -> set[str]:
    """A commune is judged against the row's province: with the province missing or not a
    province, no commune lies in it, so `in_province` fails too."""
    also = set(ALSO_FAILS.get(rule.id, (set(), ""))[0])
    province = next((c.name for c in ds.columns if c.type == "province"), None)
    if province and rule.id in {f"{ds.id}.{province}.required", f"{ds.id}.{province}.valid"}:
        also |= {r.id for r in ds.rules if r.id.endswith(".in_province")}
    return also


BREAKABLE = [(ds, r) for ds, r in ROW_RULES if r.breaks is not None]


@pytest.fixture(scope="module")
def found(ref) -> dict[str, set[str]]:
    """The rules each dataset's example row fails (under the dataset's id) and each broken
    row fails (under its rule's id): one frame per dataset, as the night validates them."""
    out: dict[str, set[str]] = {}
    for ds in DATASETS.values():
        ctx = make_context(RUN_DATE, ds.delivered_by, ref, rule_settings())
        broken = [r for d, r in BREAKABLE if d is ds]
        rows = [row(ds.id)] + [row(ds.id, **r.breaks(dict(ds.example), ctx)) for r in broken]
        results = failures(ds.id, rows, ctx, ref)
        out[ds.id] = results[0]
        out.update({r.id: res for r, res in zip(broken, results[1:], strict=True)})
    return out


@pytest.mark.parametrize("ds", DATASETS.values(), ids=list(DATASETS))
def test_the_example_row_passes_every_rule(ds, found):
    assert ds.example, f"{ds.id} has no example row"
    assert set(ds.example) == set(ds.delivered_columns)
    assert found[ds.id] == set()


@pytest.mark.parametrize(("ds", "rule"), BREAKABLE, ids=[r.id for _, r in BREAKABLE])
def test_a_broken_row_fails_exactly_its_rule(ds, rule, found, ref):
    overrides = rule.breaks(
        dict(ds.example), make_context(RUN_DATE, ds.delivered_by, ref, rule_settings())
    )
    assert overrides and set(overrides) <= set(ds.delivered_columns)
    assert found[rule.id] == {rule.id} | _companions(ds, rule)


@pytest.mark.parametrize(("ds", "rule"), ROW_RULES, ids=[r.id for _, r in ROW_RULES])
def test_every_row_rule_has_a_breaker_or_a_reason(ds, rule):
    assert (rule.breaks is not None) != (rule.id in NOT_BREAKABLE_ALONE)


def test_the_lists_of_exceptions_name_real_rules():
    ids = {r.id for _, r in ROW_RULES}
    assert set(NOT_BREAKABLE_ALONE) <= ids
    assert set(ALSO_FAILS) <= ids
