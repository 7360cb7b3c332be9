"""The batch validator calls each pandera check directly (no per-cell failure report); it
must find exactly what `DataFrameSchema.validate(lazy=True)` finds, on dirty data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from flows.settings import Settings
from sample.generate.base import NightSpec
from sample.generate.night import generate
from transforms import reference
from transforms.ingest import landing
from transforms.ingest.context import make_context
from transforms.ingest.headers import map_headers
from transforms.ingest.parsing import canonical_text, parse_frame
from transforms.ingest.reading import FileRejected, read_batches
from transforms.ingest.stager import header_keys
from validations import registry
from validations.registry import DATASETS
from validations.schema import RowValidator

NIGHT = date(2026, 11, 20)


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """Every dataset's rows of a generated night (planted defects included), parsed."""
    out: Path = tmp_path_factory.mktemp("landing")
    ref = reference.load(Settings().reference_dir)
    generate(out, NightSpec(run_date=NIGHT), ref)
    known = registry.delivered_by()
    texts: dict[str, list[pd.DataFrame]] = {}
    for lf in landing.discover(out, NIGHT, ref, known, sources=set(), only_datasets=set()):
        if lf.rejection or lf.dataset not in DATASETS:
            continue
        ds = DATASETS[lf.dataset]
        try:
            for raw in read_batches(
                lf.path,
                lf.ext or "",
                batch_rows=50_000,
                max_bytes=10**8,
                max_expanded_bytes=10**9,
                max_compression_ratio=200.0,
                header_keys=header_keys(ds),
                dataset=ds.id,
            ):
                raw = raw.reset_index(drop=True)
                headers = map_headers([str(c) for c in raw.columns], ds)
                if headers.missing_required:
                    break
                texts.setdefault(ds.id, []).append(canonical_text(raw, ds, headers))
        except FileRejected:
            continue
    return {
        ds_id: parse_frame(pd.concat(t, ignore_index=True), DATASETS[ds_id], ref)
        for ds_id, t in texts.items()
    }


def _pairs(failures: pd.DataFrame) -> list[tuple[int, str]]:
    return sorted(zip(failures["row"].tolist(), failures["rule_id"].tolist(), strict=True))


def _validator(ds) -> RowValidator:
    """The dataset's row rules in the context of the night, with the default settings."""
    s = Settings()
    return RowValidator(
        ds,
        make_context(NIGHT, ds.delivered_by, reference.load(s.reference_dir), s.rule_settings()),
    )


@pytest.mark.parametrize("dataset_id", sorted(DATASETS))
def test_direct_checks_find_what_schema_validate_finds(batches, dataset_id):
    ds = DATASETS[dataset_id]
    validator = _validator(ds)
    frame = batches[dataset_id]
    fast = validator.failures(frame)
    assert len(fast) > 0, "a generated night plants row-rule defects in every dataset"
    assert _pairs(fast) == _pairs(validator.failures_by_schema(frame))
    assert fast["row"].dtype == "int64"


def test_a_rule_that_answers_with_a_scalar_is_a_bug(batches):
    ds = DATASETS["visits"]
    validator = _validator(ds)
    column = next(name for name, col in validator.column_schema.columns.items() if col.checks)
    check = validator.column_schema.columns[column].checks[0]
    check._check_fn = lambda s: False  # noqa: SLF001 - a deliberately broken rule
    with pytest.raises(RuntimeError, match="one boolean per row"):
        validator.failures(batches["visits"])
