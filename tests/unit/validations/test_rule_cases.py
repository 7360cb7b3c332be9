"""The broken rows of the former per-dataset tests that the breakers do not already build:
other values that break the same rule, each with the exact rules it fails besides its own
(a repeated-digit id, for one, is also not a well-formed id)."""

from __future__ import annotations

import pytest

from tests.conftest import RUN_DATE, rule_settings
from tests.factories import failures, row
from transforms.ingest.context import make_context
from validations.registry import DATASETS

# (rule id, overrides of the dataset's example row, the other rules the row also fails)
CASES = [
    ("births.mother_id.structure", {"mother_id": "98765"}, []),
    (
        "births.mother_id.not_junk",
        {"mother_id": "999999999999"},
        ["births.mother_birth_date.matches_id", "births.mother_id.structure"],
    ),
    ("births.mother_birth_date.format", {"mother_birth_date": "32/13/1995"}, []),
    (
        "births.mother_birth_date.age_at_birth",
        {"mother_id": "001960012345", "mother_birth_date": "1960-01-01"},
        ["births.mother_birth_date.matches_id", "births.mother_id.structure"],
    ),
    ("births.born_at.format", {"born_at": "32/13/2026 25:00"}, []),
    ("births.sex.allowed", {"sex": "X"}, []),
    ("births.weight_grams.format", {"weight_grams": "ba cân"}, []),
    ("births.weight_grams.range", {"weight_grams": "7001"}, []),
    ("births.gestational_weeks.format", {"gestational_weeks": "chín"}, []),
    ("births.gestational_weeks.range", {"gestational_weeks": "46"}, []),
    ("births.place.allowed", {"place": "street"}, []),
    ("births.commune_code.in_province", {"commune_code": "26734"}, []),
    ("births.updated_at.format", {"updated_at": "hôm nay"}, []),
    ("births.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("births.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    (
        "deaths.person_id.not_junk",
        {"person_id": "000000000000"},
        ["deaths.birth_date.matches_id", "deaths.person_id.structure"],
    ),
    ("deaths.birth_date.format", {"birth_date": "32/13/1940"}, []),
    ("deaths.died_at.format", {"died_at": "hôm qua"}, []),
    ("deaths.place.allowed", {"place": "street"}, []),
    ("deaths.commune_code.in_province", {"commune_code": "26734"}, []),
    ("deaths.updated_at.format", {"updated_at": "hôm nay"}, []),
    ("deaths.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("deaths.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    ("drugs.registration_no.format", {"registration_no": "VD-12345-2019"}, []),
    ("drugs.registration_no.format", {"registration_no": "89311000172"}, []),
    ("drugs.registration_no.format", {"registration_no": "XX-123-20"}, []),
    ("drugs.country.iso", {"country": "VNM"}, []),
    ("drugs.country.iso", {"country": "XZ"}, []),
    ("drugs.valid_until.format", {"valid_until": "vô thời hạn"}, []),
    ("drugs.updated_at.format", {"updated_at": "2026-13-01"}, []),
    ("drugs.updated_at.fresh", {"updated_at": "2026-09-01 08:00"}, []),
    ("drugs.updated_at.not_future", {"updated_at": "2027-01-01 08:00"}, []),
    ("facilities.facility_type.allowed", {"facility_type": "spa"}, []),
    ("facilities.ownership.allowed", {"ownership": "state"}, []),
    ("facilities.status.allowed", {"status": "open"}, []),
    ("facilities.beds.format", {"beds": "12.5"}, []),
    (
        "facilities.province_code.valid",
        {"province_code": "00"},
        ["facilities.commune_code.in_province"],
    ),
    ("facilities.commune_code.in_province", {"commune_code": "99999"}, []),
    ("facilities.updated_at.fresh", {"updated_at": "2026-09-01"}, []),
    ("food_establishments.name.required", {"name": " "}, []),
    ("food_establishments.business_type.allowed", {"business_type": "spa"}, []),
    ("food_establishments.commune_code.in_province", {"commune_code": "26734"}, []),
    (
        "food_establishments.certificate_valid_until.format",
        {"certificate_valid_until": "31/02/2027"},
        [],
    ),
    ("food_establishments.last_inspected_on.format", {"last_inspected_on": "hôm qua"}, []),
    ("food_establishments.inspection_result.allowed", {"inspection_result": "ok"}, []),
    ("food_establishments.updated_at.format", {"updated_at": "32/13/2026 25:00"}, []),
    ("food_establishments.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("food_establishments.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    ("health_checks.person_id.structure", {"person_id": "AB1234567"}, []),
    (
        "health_checks.person_id.not_junk",
        {"person_id": "000000000000"},
        ["health_checks.person_id.structure"],
    ),
    ("health_checks.check_type.allowed", {"check_type": "sport"}, []),
    ("health_checks.checked_on.format", {"checked_on": "20/11"}, []),
    ("health_checks.conclusion.allowed", {"conclusion": "ok"}, []),
    ("health_checks.valid_until.format", {"valid_until": "1 năm"}, []),
    ("health_checks.province_code.valid", {"province_code": "00"}, []),
    ("health_checks.updated_at.format", {"updated_at": "??"}, []),
    ("health_checks.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("health_checks.updated_at.not_future", {"updated_at": "2027-11-24 09:00"}, []),
    ("herbal_products.registration_no.format", {"registration_no": "V123 H12 19"}, []),
    ("herbal_products.valid_until.format", {"valid_until": "31/06/2028"}, []),
    ("herbal_products.updated_at.format", {"updated_at": "không rõ"}, []),
    ("herbal_products.updated_at.fresh", {"updated_at": "2026-08-01"}, []),
    ("herbal_products.updated_at.not_future", {"updated_at": "2027-02-01"}, []),
    ("immunizations.person_id.structure", {"person_id": "12AB5"}, []),
    (
        "immunizations.person_id.not_junk",
        {"person_id": "111111111111"},
        ["immunizations.birth_date.matches_id", "immunizations.person_id.structure"],
    ),
    ("immunizations.birth_date.format", {"birth_date": "32/13/2025"}, []),
    ("immunizations.vaccine_code.allowed", {"vaccine_code": "COVID19"}, []),
    ("immunizations.dose_number.format", {"dose_number": "hai"}, []),
    ("immunizations.dose_number.range", {"dose_number": "0"}, []),
    ("immunizations.vaccinated_on.format", {"vaccinated_on": "32/13/2025"}, []),
    ("immunizations.commune_code.in_province", {"commune_code": "26734"}, []),
    ("immunizations.updated_at.format", {"updated_at": "hôm nay"}, []),
    ("immunizations.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("immunizations.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    ("medical_devices.risk_class.allowed", {"risk_class": "E"}, []),
    ("medical_devices.valid_until.format", {"valid_until": "2029-02-30"}, []),
    (
        "medical_devices.valid_until.required_for_class_c_d",
        {"risk_class": "D", "valid_until": ""},
        [],
    ),
    ("medical_devices.updated_at.format", {"updated_at": "20/11"}, []),
    ("medical_devices.updated_at.fresh", {"updated_at": "2026-10-01 08:00"}, []),
    ("medical_devices.updated_at.not_future", {"updated_at": "2026-12-01 08:00"}, []),
    ("practitioners.license_no.format", {"license_no": "001234/byt-CCHN"}, []),
    ("practitioners.license_no.format", {"license_no": "001234-BYT-CCHN"}, []),
    ("practitioners.person_id.structure", {"person_id": "00118501234"}, []),
    (
        "practitioners.person_id.not_junk",
        {"person_id": "111111111111"},
        ["practitioners.birth_date.matches_id", "practitioners.person_id.structure"],
    ),
    ("practitioners.full_name.required", {"full_name": " "}, []),
    ("practitioners.birth_date.format", {"birth_date": "30/02/1985"}, []),
    ("practitioners.sex.allowed", {"sex": "X"}, []),
    ("practitioners.profession.allowed", {"profession": "surgeon"}, []),
    ("practitioners.issued_on.format", {"issued_on": "15.06.2012"}, []),
    ("practitioners.status.allowed", {"status": "expired"}, []),
    ("practitioners.updated_at.format", {"updated_at": "hôm qua"}, []),
    ("practitioners.updated_at.fresh", {"updated_at": "2026-09-01 08:00"}, []),
    ("practitioners.updated_at.not_future", {"updated_at": "2026-12-30 08:00"}, []),
    ("prescriptions.prescription_code.format", {"prescription_code": "01001ab12cd3-X"}, []),
    ("prescriptions.prescription_code.format", {"prescription_code": "01001ab12cd3N"}, []),
    ("prescriptions.patient_id.structure", {"patient_id": "A123"}, []),
    (
        "prescriptions.patient_id.not_junk",
        {"patient_id": "123456789012"},
        ["prescriptions.patient_id.structure"],
    ),
    ("prescriptions.issued_at.format", {"issued_at": "23/11/26 9h"}, []),
    ("prescriptions.quantity.format", {"quantity": "hai mươi"}, []),
    ("prescriptions.quantity.positive", {"quantity": "-5"}, []),
    ("prescriptions.days_supply.format", {"days_supply": "7.5"}, []),
    ("prescriptions.days_supply.range", {"days_supply": "91"}, []),
    ("prescriptions.updated_at.format", {"updated_at": "24-11-2026 9:00"}, []),
    ("prescriptions.updated_at.fresh", {"updated_at": "2026-11-10 09:00"}, []),
    ("prescriptions.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    ("procedure_status.online_level.allowed", {"online_level": "level3"}, []),
    ("procedure_status.portal_connected.format", {"portal_connected": "?"}, []),
    ("procedure_status.files_received.format", {"files_received": "nhiều"}, []),
    ("procedure_status.files_online.format", {"files_online": "1,5"}, []),
    ("procedure_status.files_online.within_received", {"files_online": "-1"}, []),
    ("procedure_status.updated_at.format", {"updated_at": "hôm nay"}, []),
    ("procedure_status.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("procedure_status.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    ("procedures.level.allowed", {"level": "district"}, []),
    ("procedures.decentralized.matches_level", {"decentralized": "false"}, []),
    ("procedures.portal_eligible.format", {"portal_eligible": "?"}, []),
    ("procedures.online_level.allowed", {"online_level": "level4"}, []),
    ("procedures.portal_integrated.format", {"portal_integrated": "maybe"}, []),
    ("procedures.integrated_on.format", {"integrated_on": "32/13/2025"}, []),
    ("procedures.standardized.format", {"standardized": "chưa rõ"}, []),
    ("procedures.baseline_cost.format", {"baseline_cost": "một tỷ"}, []),
    ("procedures.current_cost.format", {"current_cost": "một tỷ"}, []),
    ("procedures.updated_at.format", {"updated_at": "hôm nay"}, []),
    ("procedures.updated_at.fresh", {"updated_at": "2026-09-01 09:00"}, []),
    ("procedures.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    ("social_protection.person_id.structure", {"person_id": "0011"}, []),
    (
        "social_protection.person_id.not_junk",
        {"person_id": "222222222222"},
        ["social_protection.birth_date.matches_id", "social_protection.person_id.structure"],
    ),
    ("social_protection.birth_date.format", {"birth_date": "32/13/1945"}, []),
    ("social_protection.category.allowed", {"category": "veteran"}, []),
    ("social_protection.benefit_start.format", {"benefit_start": "32/13/2024"}, []),
    ("social_protection.benefit_end.format", {"benefit_end": "mãi mãi"}, []),
    ("social_protection.monthly_amount.format", {"monthly_amount": "năm trăm nghìn"}, []),
    ("social_protection.commune_code.in_province", {"commune_code": "26734"}, []),
    ("social_protection.updated_at.format", {"updated_at": "hôm nay"}, []),
    ("social_protection.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("social_protection.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    (
        "visits.patient_id.not_junk",
        {"patient_id": "000000000000"},
        ["visits.birth_date.matches_id", "visits.patient_id.structure"],
    ),
    (
        "visits.patient_id.not_junk",
        {"patient_id": "123456789012"},
        ["visits.birth_date.matches_id", "visits.patient_id.structure"],
    ),
    ("visits.patient_name.required", {"patient_name": "  "}, []),
    ("visits.birth_date.range", {"birth_date": "1899-12-31"}, ["visits.birth_date.matches_id"]),
    ("visits.sex.allowed", {"sex": "X"}, []),
    ("visits.visit_type.allowed", {"visit_type": "10"}, []),
    ("visits.admitted_at.format", {"admitted_at": "hôm qua"}, []),
    ("visits.commune_code.in_province", {"commune_code": "26734"}, []),
    ("visits.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("visits.updated_at.not_future", {"updated_at": "2026-12-24 09:00"}, []),
    ("workforce.person_id.structure", {"person_id": "0011850123"}, []),
    (
        "workforce.person_id.not_junk",
        {"person_id": "999999999999"},
        ["workforce.birth_date.matches_id", "workforce.person_id.structure"],
    ),
    ("workforce.birth_date.format", {"birth_date": "02/03/85"}, []),
    ("workforce.sex.allowed", {"sex": "?"}, []),
    ("workforce.qualification.allowed", {"qualification": "phd"}, []),
    ("workforce.start_date.format", {"start_date": "tháng 9/2012"}, []),
    (
        "workforce.start_date.working_age",
        {"birth_date": "1945-03-02", "person_id": "001145012345", "start_date": "2021-03-02"},
        [],
    ),
    ("workforce.end_date.format", {"end_date": "31/12"}, []),
    ("workforce.updated_at.format", {"updated_at": "mai"}, []),
    ("workforce.updated_at.fresh", {"updated_at": "2026-11-01 09:00"}, []),
    ("workforce.updated_at.not_future", {"updated_at": "2027-11-24 09:00"}, []),
]


@pytest.fixture(scope="module")
def found(ref) -> list[set[str]]:
    """The rules each case's row fails, in CASES order: one frame per dataset."""
    out: list[set[str] | None] = [None] * len(CASES)
    for ds in DATASETS.values():
        mine = [i for i, c in enumerate(CASES) if c[0].split(".")[0] == ds.id]
        if not mine:
            continue
        ctx = make_context(RUN_DATE, ds.delivered_by, ref, rule_settings())
        rows = [row(ds.id, **CASES[i][1]) for i in mine]
        for i, res in zip(mine, failures(ds.id, rows, ctx, ref), strict=True):
            out[i] = res
    return out  # type: ignore[return-value]


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_a_broken_row_fails_its_rule_and_only_the_listed_others(case, found):
    rule_id, _, also = CASES[case]
    assert found[case] == {rule_id, *also}
