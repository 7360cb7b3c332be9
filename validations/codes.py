"""Code formats and code lists of the ministry registries (licences, drug and herbal
registrations, prescription codes, countries), used by their rules and by the datasets
that reference them. The checks themselves are in `validations.checks`."""

from __future__ import annotations

# Practising certificate or licence (CCHN / GPHN): number, issuing authority, kind.
# `001234/BYT-CCHN` (Ministry), `009999/HNO-GPHN` (Hà Nội health department).
LICENCE = r"[0-9]{4,7}/[A-Z]{2,4}-(?:CCHN|GPHN)"
# Drug registration numbers before the 2022 numbering (`VD-12345-19`, `QLĐB-123-20`) ...
DRUG_REGISTRATION_OLD = r"(?:VD|VN|VS|GC|QLĐB|QLSP|QLVX)-[0-9]{1,6}-[0-9]{2}"
# ... and under it (Circular 08/2022/TT-BYT): twelve digits.
DRUG_REGISTRATION = rf"{DRUG_REGISTRATION_OLD}|[0-9]{{12}}"
# Traditional-medicine registrations (`V123-H12-19`) or any drug format.
HERBAL_REGISTRATION = rf"V[0-9]+-H[0-9]+-[0-9]{{2}}|{DRUG_REGISTRATION}"
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
