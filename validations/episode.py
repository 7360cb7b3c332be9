"""The columns and rules every line of a claims episode shares (`visit_drugs` from XML2,
`visit_services` from XML3): its key, the money columns and their arithmetic, the line's place in
its episode (orphan, visit quarantined), and its times against the stay. Built once here
and called by both descriptions, so the two line tables say the same thing the same way.
Their SQL rules are one file each for both (`episode.<name>.sql` beside the datasets'
own), reading the line dataset's staged rows as `stg_{dataset}`."""

from __future__ import annotations

import pandas as pd

from validations import checks
from validations.model import Column, Context, Rule

# (column, type, description, tag, required)
_MONEY: tuple[tuple[str, str, str, str, bool], ...] = (
    ("quantity", "money", "Quantity (SO_LUONG)", "SO_LUONG", True),
    ("unit_price", "money", "Unit price charged by the facility, VND (DON_GIA)", "DON_GIA", True),
    ("amount", "money", "Amount, VND (THANH_TIEN_BV)", "THANH_TIEN_BV", True),
    (
        "insured_amount",
        "money",
        "Amount eligible for insurance, VND (THANH_TIEN_BH)",
        "THANH_TIEN_BH",
        False,
    ),
    ("coverage_pct", "money", "Share paid by insurance, % (TYLE_TT_BH)", "TYLE_TT_BH", False),
    ("insurance_paid", "money", "Paid by health insurance, VND (T_BHTT)", "T_BHTT", False),
    ("patient_copay", "money", "Patient's co-payment, VND (T_BNCCT)", "T_BNCCT", False),
    (
        "patient_paid",
        "money",
        "Paid by the patient outside insurance, VND (T_BNTT)",
        "T_BNTT",
        False,
    ),
    ("other_paid", "money", "Paid from other sources, VND (T_NGUONKHAC)", "T_NGUONKHAC", False),
)


def key_columns() -> tuple[Column, ...]:
    """The key of a line: its episode (visit_id, facility_code) and its number in it."""
    return (
        Column(
            "visit_id", "code", "Visit id within the facility (MA_LK)", vi=("MA_LK",), required=True
        ),
        Column(
            "line_no", "int", "Line number within the episode (STT)", vi=("STT",), required=True
        ),
        Column(
            "facility_code",
            "code",
            "Facility of the episode (its XML1 MA_CSKCB, else the package's MACSKCB)",
            vi=("MA_CSKCB",),
            required=True,
            width=5,
        ),
    )


def closing_columns() -> tuple[Column, ...]:
    """The last columns of a line: whether its package held its visit, and its stamp."""
    return (
        Column(
            "has_visit",
            "bool",
            "The line's claims package held its visit (XML1 row, same MA_LK) in the same HOSO; "
            "empty when the line did not come in a package",
        ),
        Column(
            "updated_at",
            "datetime",
            "When the source system last changed the record (the package's NGAYLAP)",
            vi=("NGAY_CAP_NHAT",),
            required=True,
        ),
    )


def money_columns(
    price_tags: tuple[str, ...] = ("DON_GIA",), coverage: bool = True
) -> tuple[Column, ...]:
    """The quantity and money columns of a line; `price_tags` name the unit price's tags."""
    out = []
    for name, typ, description, tag, required in _MONEY:
        if name == "coverage_pct" and not coverage:
            continue
        tags = price_tags if name == "unit_price" else (tag,)
        out.append(Column(name, typ, description, vi=tags, required=required))  # type: ignore[arg-type]
    return tuple(out)


def _amount_is_product(df: pd.DataFrame, ctx: Context) -> pd.Series:
    product = df["quantity"] * df["unit_price"]
    ok = (product - df["amount"]).abs() <= 1
    return checks.passes(ok) | checks.either_missing(product, df["amount"])


def _insured_within(df: pd.DataFrame, ctx: Context) -> pd.Series:
    ok = df["insured_amount"] <= df["amount"] + 1
    return checks.passes(ok) | checks.either_missing(df["insured_amount"], df["amount"])


def not_before(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """Passes where `later` is not before `earlier` (or either is missing)."""
    return checks.passes(later >= earlier) | checks.either_missing(later, earlier)


def line_rules(dataset: str, coverage: str | None) -> tuple[Rule, ...]:
    """The arithmetic of a line and its place in the episode."""
    rules = [
        Rule(
            f"{dataset}.quantity.positive",
            "accurate",
            "error",
            "Số lượng (SO_LUONG) phải lớn hơn 0",
            "quantity must be greater than 0",
            ("quantity",),
            check=lambda df, ctx: checks.passes(df["quantity"] > 0) | df["quantity"].isna(),
            breaks=lambda row, ctx: {"quantity": "0", "amount": "0", "insured_amount": "0"},
        ),
        Rule(
            f"{dataset}.unit_price.non_negative",
            "accurate",
            "error",
            "Đơn giá không được âm",
            "unit_price must not be negative",
            ("unit_price",),
            check=lambda df, ctx: checks.in_range(df["unit_price"], low=0),
            breaks=lambda row, ctx: {
                "unit_price": "-" + row["unit_price"],
                "amount": "-" + row["amount"],
                "insured_amount": "-" + row["amount"],
                **(
                    {"insured_unit_price": "-" + row["unit_price"]}
                    if "insured_unit_price" in row
                    else {}
                ),
            },
        ),
        Rule(
            f"{dataset}.amount.is_quantity_times_price",
            "accurate",
            "error",
            "THANH_TIEN_BV khác SO_LUONG × đơn giá (lệch quá 1 đồng)",
            "amount differs from quantity × unit_price by more than 1 VND",
            ("quantity", "unit_price", "amount"),
            check=_amount_is_product,
            breaks=lambda row, ctx: {"amount": str(float(row["amount"]) + 1000)},
        ),
        Rule(
            f"{dataset}.insured_amount.within_amount",
            "accurate",
            "error",
            "THANH_TIEN_BH lớn hơn THANH_TIEN_BV",
            "insured_amount is greater than amount",
            ("insured_amount", "amount"),
            check=_insured_within,
            breaks=lambda row, ctx: {"insured_amount": str(float(row["amount"]) + 1000)},
        ),
        Rule(
            f"{dataset}.visit_id.in_package",
            "accurate",
            "error",
            "Dòng chi tiết không có bảng XML1 cùng MA_LK trong cùng hồ sơ (dòng mồ côi)",
            "The line has no XML1 row with the same MA_LK in its package (an orphan line)",
            ("visit_id", "has_visit"),
            # In a package: its HOSO's XML1 (has_visit); a line file alone: any visit of the
            # warehouse or of tonight with its facility_code + visit_id.
            kind="sql",
            sql="episode.in_package",
            needs=("visits",),
        ),
        Rule(
            f"{dataset}.visit_id.parent_quarantined",
            "accurate",
            "error",
            "Lượt khám (XML1) của dòng này bị cách ly nên dòng cũng bị cách ly",
            "The line's visit (XML1) was quarantined, so the line goes with it",
            ("facility_code", "visit_id"),
            kind="sql",
            sql="episode.parent_quarantined",
            needs=("visits",),
        ),
    ]
    if coverage:
        rules.insert(
            4,
            Rule(
                f"{dataset}.{coverage}.range",
                "accurate",
                "error",
                "Tỷ lệ thanh toán BHYT (TYLE_TT_BH) phải từ 0 đến 100",
                "coverage_pct must be between 0 and 100",
                (coverage,),
                check=lambda df, ctx: checks.in_range(df[coverage], low=0, high=100),
                breaks=lambda row, ctx: {coverage: "120"},
            ),
        )
    return tuple(rules)


def timing_rules(dataset: str) -> tuple[Rule, ...]:
    """A line's order within its visit's stay, and its execution after its order."""
    return (
        Rule(
            f"{dataset}.ordered_at.within_stay",
            "accurate",
            "error",
            "Ngày y lệnh (NGAY_YL) ngoài thời gian từ NGAY_VAO đến NGAY_RA của lượt khám",
            "ordered_at is outside the visit's stay (admitted_at … discharged_at)",
            ("facility_code", "visit_id", "ordered_at"),
            kind="sql",
            sql="episode.within_stay",
            needs=("visits",),
        ),
        Rule(
            f"{dataset}.executed_at.after_order",
            "accurate",
            "error",
            "Ngày thực hiện y lệnh (NGAY_TH_YL) trước ngày y lệnh (NGAY_YL)",
            "executed_at is before ordered_at",
            ("ordered_at", "executed_at"),
            check=lambda df, ctx: not_before(df["executed_at"], df["ordered_at"]),
            breaks=lambda row, ctx: {"executed_at": "2026-11-20 08:00:00"},
        ),
    )
