"""Rules every dataset gets from its description alone.

Required columns, readable values of parsed types, allowed values of enums, valid province
and commune codes (and the warning on an old commune divided between new ones), person ids,
the unique key, and the freshness of `updated_at` are the same rule for every dataset; they
are derived here so a dataset module lists only what is particular to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from validations import checks
from validations.model import PARSED_TYPES, Column, Context, Dataset, RowCheck, Rule

RAW_SUFFIX = "__raw"  # the delivered text of a parsed column, kept beside it for checking
ORIGINAL_SUFFIX = "_original"  # `<commune column>_original`: a pre-2025 code as delivered

# Delivered text that no parser of the type reads (breaks the `format` rules).
UNREADABLE = {
    "date": "31/02/1990",
    "datetime": "32/13/2025 25:00",
    "money": "một triệu",
    "int": "mười",
    "bool": "có lẽ",
}

_TYPE_WORDS = {
    "date": ("ngày", "a date"),
    "datetime": ("ngày giờ", "a date and time"),
    "money": ("số tiền", "an amount of money"),
    "int": ("số nguyên", "a whole number"),
    "bool": ("đúng/sai (có/không)", "a yes/no value"),
}


def _required(ds: Dataset, col: Column) -> Rule:
    # A parsed column is given when anything was delivered, readable or not: an unreadable
    # value fails `format` (accurate), not `required` (sufficient).
    if col.type in PARSED_TYPES:
        raw = col.name + RAW_SUFFIX
        columns: tuple[str, ...] = (col.name, raw)
        check: RowCheck = lambda df, ctx: df[col.name].notna() | df[raw].notna()  # noqa: E731
    else:
        columns = (col.name,)
        check = lambda df, ctx: df[col.name].notna()  # noqa: E731
    return Rule(
        id=f"{ds.id}.{col.name}.required",
        criterion="sufficient",
        severity="error",
        vi=f"Thiếu trường bắt buộc {col.name} ({_vi_name(col)})",
        en=f"Required field {col.name} is empty",
        columns=columns,
        check=check,
        breaks=lambda row, ctx: {col.name: ""},
    )


def _parsed(ds: Dataset, col: Column) -> Rule:
    vi_word, en_word = _TYPE_WORDS[col.type]
    raw = col.name + RAW_SUFFIX
    return Rule(
        id=f"{ds.id}.{col.name}.format",
        criterion="accurate",
        severity="error",
        vi=f"Giá trị {col.name} không đọc được thành {vi_word}",
        en=f"{col.name} cannot be read as {en_word}",
        columns=(col.name, raw),
        check=lambda df, ctx: df[col.name].notna() | df[raw].isna(),
        breaks=lambda row, ctx: {col.name: UNREADABLE[col.type]},
    )


def _allowed(ds: Dataset, col: Column) -> Rule:
    shown = ", ".join(col.values)
    return Rule(
        id=f"{ds.id}.{col.name}.allowed",
        criterion="accurate",
        severity="error",
        vi=f"{col.name} không thuộc danh mục cho phép ({shown})",
        en=f"{col.name} is not one of the allowed values ({shown})",
        columns=(col.name,),
        check=lambda df, ctx: checks.is_in(df[col.name], col.values),
        breaks=lambda row, ctx: {col.name: "??"},
    )


def _province(ds: Dataset, col: Column) -> Rule:
    return Rule(
        id=f"{ds.id}.{col.name}.valid",
        criterion="accurate",
        severity="error",
        vi=f"Mã tỉnh {col.name} không có trong danh mục 34 tỉnh, thành phố",
        en=f"{col.name} is not one of the 34 province codes (or a mapped pre-2025 code)",
        columns=(col.name,),
        check=lambda df, ctx: checks.is_in(df[col.name], ctx.province_codes),
        breaks=lambda row, ctx: {col.name: "99"},
    )


def _commune(ds: Dataset, col: Column, province_col: str) -> Rule:
    return Rule(
        id=f"{ds.id}.{col.name}.in_province",
        criterion="accurate",
        severity="error",
        vi=f"Mã xã {col.name} không tồn tại hoặc không thuộc tỉnh {province_col}",
        en=f"{col.name} is not a commune of the row's province ({province_col})",
        columns=(col.name, province_col),
        check=lambda df, ctx: checks.commune_in_province(
            df[col.name], df[province_col], ctx.commune_province
        ),
        breaks=lambda row, ctx: {col.name: foreign_commune(row.get(province_col), ctx)},
    )


def _commune_divided(ds: Dataset, col: Column, province_col: str) -> Rule:
    # The parser has put the default successor in the column and the delivered code beside it
    # (`<column>_original`), so `in_province` judges the successor: only the division warns.
    original = col.name + ORIGINAL_SUFFIX
    return Rule(
        id=f"{ds.id}.{col.name}.commune_divided",
        criterion="clean",
        severity="warning",
        vi=f"Mã xã cũ {original} thuộc xã đã chia cho nhiều xã mới: {col.name} là xã kế thừa "
        "mặc định, có thể không đúng nơi ở",
        en=f"{original} is an old commune divided between several new ones: {col.name} is "
        "its default successor and may not be the right one",
        columns=(original,),
        check=lambda df, ctx: ~df[original].isin(list(ctx.communes_divided)),
        breaks=lambda row, ctx: {col.name: divided_commune(row.get(province_col), ctx)},
    )


def _person_id(ds: Dataset, col: Column) -> tuple[Rule, Rule]:
    valid = Rule(
        id=f"{ds.id}.{col.name}.structure",
        criterion="accurate",
        severity="error",
        vi=f"{col.name} không đúng cấu trúc số định danh (12 số CCCD, 9 số CMND hoặc hộ chiếu)",
        en=f"{col.name} is not a valid personal id (12-digit CCCD, 9-digit id or passport)",
        columns=(col.name,),
        check=lambda df, ctx: checks.person_id_valid(
            df[col.name], ctx.province_codes, ctx.old_province_codes
        ),
        breaks=lambda row, ctx: {col.name: "12345"},
    )
    junk = Rule(
        id=f"{ds.id}.{col.name}.not_junk",
        criterion="clean",
        severity="error",
        vi=f"{col.name} là số giả (lặp một chữ số, dãy số liên tiếp)",
        en=f"{col.name} is a placeholder id (one digit repeated, a counting run)",
        columns=(col.name,),
        check=lambda df, ctx: checks.person_id_not_junk(df[col.name]),
        breaks=lambda row, ctx: {col.name: "123456789"},
    )
    return valid, junk


def _updated_at(ds: Dataset) -> tuple[Rule, Rule]:
    # The window is the configured one of the dataset's deliverer: filled in at run time
    # (`Rule.texts` with `RuleSettings.placeholders`).
    fresh = Rule(
        id=f"{ds.id}.updated_at.fresh",
        criterion="up_to_date",
        severity="warning",
        vi="Bản ghi không được cập nhật trong thời hạn ({freshness_days} ngày trước ngày chạy)",
        en="Record not updated within the freshness window "
        "({freshness_days} days before the run date)",
        columns=("updated_at",),
        check=lambda df, ctx: checks.not_before(df["updated_at"], ctx.fresh_after),
        breaks=lambda row, ctx: {"updated_at": _stamp(ctx.fresh_after - timedelta(days=3))},
    )
    future = Rule(
        id=f"{ds.id}.updated_at.not_future",
        criterion="accurate",
        severity="error",
        vi="Thời điểm cập nhật ở tương lai",
        en="updated_at is in the future",
        columns=("updated_at",),
        check=lambda df, ctx: checks.not_after(df["updated_at"], ctx.as_of),
        breaks=lambda row, ctx: {"updated_at": _stamp(ctx.as_of + timedelta(days=30))},
    )
    return fresh, future


def _unique_key(ds: Dataset) -> Rule:
    shown = " + ".join(ds.key)
    return Rule(
        id=f"{ds.id}.key.unique",
        criterion="clean",
        severity="error",
        vi=f"Trùng khóa {shown} trong cùng tệp hoặc giữa các tệp của đêm",
        en=f"Duplicate key {shown} within the file or across the night's files",
        columns=ds.key,
        kind="unique",
    )


def standard_rules(ds: Dataset) -> tuple[Rule, ...]:
    """The rules a dataset gets from its columns and key, in column order."""
    rules: list[Rule] = []
    province_col = next((c.name for c in ds.columns if c.type == "province"), None)
    for col in ds.columns:
        if col.required:
            rules.append(_required(ds, col))
        if col.type in PARSED_TYPES:
            rules.append(_parsed(ds, col))
        if col.type == "enum":
            rules.append(_allowed(ds, col))
        if col.type == "province":
            rules.append(_province(ds, col))
        if col.type == "commune" and province_col:
            rules.append(_commune(ds, col, province_col))
            rules.append(_commune_divided(ds, col, province_col))
        if col.type == "person_id":
            rules.extend(_person_id(ds, col))
    if "updated_at" in ds.column_names:
        rules.extend(_updated_at(ds))
    rules.append(_unique_key(ds))
    return tuple(rules)


def _vi_name(col: Column) -> str:
    return col.vi[0] if col.vi else col.name


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def foreign_commune(province: str | None, ctx: Context) -> str:
    """A real commune that does not lie in `province` (breaks `in_province`)."""
    return next(c for c, p in ctx.commune_province.items() if p != province)


def divided_commune(province: str | None, ctx: Context) -> str:
    """A pre-2025 code of a divided commune whose default successor lies in `province`
    (breaks `commune_divided` alone). LookupError when the province has none (10 of the 34
    provinces): the generator plants it elsewhere."""
    if province in ctx.divided_by_province:
        return ctx.divided_by_province[province]
    raise LookupError(f"no divided pre-2025 commune has its default successor in {province}")
