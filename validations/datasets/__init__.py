"""One module per dataset: its columns, key and the rules particular to it."""

from __future__ import annotations

from validations.model import Column, Dataset, EnumSpec, Rule
from validations.standard import ORIGINAL_SUFFIX, standard_rules

# Spellings shared by every dataset that records sex.
SEX: EnumSpec = dict(
    type="enum",
    values=("M", "F", "U"),
    synonyms={
        "1": "M",
        "2": "F",
        "3": "U",
        "nam": "M",
        "nữ": "F",
        "nu": "F",
        "male": "M",
        "female": "F",
        "m": "M",
        "f": "F",
        "u": "U",
        "không rõ": "U",
        "khong ro": "U",
    },
)


def define(
    *,
    id: str,
    database_id: str,
    delivered_by: str,
    key: tuple[str, ...],
    columns: tuple[Column, ...],
    rules: tuple[Rule, ...] = (),
    description_vi: str,
    description_en: str,
    example: dict[str, str] | None = None,
    progress_sql: tuple[str, ...] = (),
) -> Dataset:
    """A dataset with the standard rules of its columns followed by its own rules, and the
    columns the pipeline derives (`with_derived`) after the columns they come from."""
    columns = with_derived(columns)
    bare = Dataset(
        id=id,
        database_id=database_id,
        delivered_by=delivered_by,  # type: ignore[arg-type]
        key=key,
        columns=columns,
        rules=(),
        description_vi=description_vi,
        description_en=description_en,
        example=dict(example or {}),
        progress_sql=progress_sql,
    )
    unknown = set(bare.example) - set(bare.column_names)
    if unknown:
        raise ValueError(f"{id}: the example row names unknown columns {sorted(unknown)}")
    all_rules = standard_rules(bare) + rules
    ids = [r.id for r in all_rules]
    duplicated = {i for i in ids if ids.count(i) > 1}
    if duplicated:
        raise ValueError(f"{id}: rule ids defined twice: {sorted(duplicated)}")
    for rule in all_rules:
        unknown = (
            set(rule.columns) - set(bare.column_names) - {c + "__raw" for c in bare.column_names}
        )
        if unknown:
            raise ValueError(f"{rule.id} names unknown columns {sorted(unknown)}")
    return Dataset(**{**bare.__dict__, "rules": all_rules})


def with_derived(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """`columns`, each commune column followed by `<name>_original`: where a pre-July-2025
    commune code was delivered and mapped to its successor, the delivered code (missing where
    the code was current, missing or unknown). Analysts see it in `core.<dataset>`."""
    out: list[Column] = []
    for col in columns:
        out.append(col)
        if col.type == "commune":
            out.append(
                Column(
                    col.name + ORIGINAL_SUFFIX,
                    "code",
                    f"The pre-July-2025 code delivered in {col.name}, which holds its successor "
                    "from the commune crosswalk; empty when the delivered code is current / Mã xã "
                    "cũ (trước 1/7/2025) như đơn vị gửi, đã chuyển sang mã xã mới",
                    derived_from=col.name,
                )
            )
    return tuple(out)
