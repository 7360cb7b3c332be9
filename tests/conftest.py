"""Fixtures every test may use. Prefect's test server lives in integration/conftest.py:
most logic is tested without it."""

from __future__ import annotations

from datetime import date

import pytest

from flows.settings import Settings
from transforms.ingest.context import make_context
from transforms.reference import Reference, load
from validations.model import RuleSettings

RUN_DATE = date(2026, 11, 24)


def rule_settings(**overrides) -> RuleSettings:
    """The rule settings of `Settings` (its defaults, unless the environment says otherwise),
    with `overrides` of its field names (`freshness_days_province=5`)."""
    return Settings(**overrides).rule_settings()


@pytest.fixture(scope="session")
def ref() -> Reference:
    return load()


@pytest.fixture
def ctx_for(ref):
    """`ctx_for("province")` or `ctx_for("moh")`: the rule context of RUN_DATE."""
    return lambda delivered_by: make_context(RUN_DATE, delivered_by, ref, rule_settings())
