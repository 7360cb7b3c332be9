"""Vectorised checks and code formats for the ministry registries (practitioners, drugs,
herbal products, medical devices) and the exports that reference them (prescriptions,
workforce, health checks).

Like `validations.checks`, every function returns a boolean Series that is True where the
row passes, and missing inputs pass: presence is the job of the `required` rules.
"""

from __future__ import annotations

import pandas as pd

from validations.checks import passes

# Practising certificate or licence (CCHN / GPHN): number, issuing authority, kind.
# `001234/BYT-CCHN` (Ministry), `009999/HNO-GPHN` (Hà Nội health department).
LICENCE = r"\d{4,7}/[A-Z]{2,4}-(?:CCHN|GPHN)"
# Drug registration numbers before the 2022 numbering (`VD-12345-19`, `QLĐB-123-20`) ...
DRUG_REGISTRATION_OLD = r"(?:VD|VN|VS|GC|QLĐB|QLSP|QLVX)-\d{1,6}-\d{2}"
# ... and under it (Circular 08/2022/TT-BYT): twelve digits.
DRUG_REGISTRATION = rf"{DRUG_REGISTRATION_OLD}|\d{{12}}"
# Traditional-medicine registrations (`V123-H12-19`) or any drug format.
HERBAL_REGISTRATION = rf"V\d+-H\d+-\d{{2}}|{DRUG_REGISTRATION}"
# Electronic prescription code (Circular 26/2025/TT-BYT): the 5-character facility code,
# 7 lower-case letters or digits, and the kind of prescription (N, H, C or T).
PRESCRIPTION_CODE = r"[0-9A-Za-z]{5}[0-9a-z]{7}-[NHCT]"

# ISO 3166-1 alpha-2 country codes (officially assigned).
_ISO_ALPHA2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRIES = frozenset(_ISO_ALPHA2.split())


def age_on(birth: pd.Series, when: pd.Series) -> pd.Series:
    """Completed years of age on `when` of someone born on `birth` (NaN if either is missing)."""
    birth, when = pd.to_datetime(birth), pd.to_datetime(when)
    years = when.dt.year - birth.dt.year
    before_birthday = (when.dt.month < birth.dt.month) | (
        (when.dt.month == birth.dt.month) & (when.dt.day < birth.dt.day)
    )
    return (years - before_birthday.astype("float64")).astype("float64")


def age_between(birth: pd.Series, when: pd.Series, low: int | None = None,
                high: int | None = None) -> pd.Series:
    """Aged at least `low` and at most `high` completed years on `when`."""
    age = age_on(birth, when)
    ok = pd.Series(True, index=birth.index)
    if low is not None:
        ok &= age >= low
    if high is not None:
        ok &= age <= high
    return passes(ok) | age.isna()


def not_earlier(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """`later` is on or after `earlier`, compared as calendar dates."""
    a = pd.to_datetime(later).dt.normalize()
    b = pd.to_datetime(earlier).dt.normalize()
    return passes(a >= b) | a.isna() | b.isna()


def prefix_equals(code: pd.Series, other: pd.Series, length: int) -> pd.Series:
    """The first `length` characters of `code` equal `other` on the same row."""
    return passes(code.str.slice(0, length) == other) | code.isna() | other.isna()


def required_when(given: pd.Series, condition: pd.Series) -> pd.Series:
    """A value is given (`given` True) wherever `condition` holds."""
    return ~(condition.fillna(False).astype(bool) & ~given.fillna(False).astype(bool))
