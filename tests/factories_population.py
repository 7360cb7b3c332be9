"""Valid rows of the population datasets (food safety, immunisation, births, deaths,
social protection, procedures) for the night 2026-11-24, with overrides for the case at
hand. Run them through `tests.factories.failures`."""

from __future__ import annotations


def _with(row: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    unknown = set(overrides) - set(row)
    if unknown:
        raise KeyError(f"no such column: {sorted(unknown)}")
    return {**row, **overrides}


def food_establishment_row(**overrides: str) -> dict[str, str]:
    return _with(
        {
            "establishment_id": "ATTP01000001",
            "name": "Nhà hàng Hòa Bình",
            "business_type": "restaurant",
            "province_code": "01",
            "commune_code": "00070",  # Phường Hoàn Kiếm, Hà Nội
            "certificate_no": "123/2025/ATTP-CNĐK",
            "certificate_valid_until": "2027-06-30",
            "last_inspected_on": "2026-03-15",
            "inspection_result": "pass",
            "updated_at": "2026-11-24 09:00:00",
        },
        overrides,
    )


def immunization_row(**overrides: str) -> dict[str, str]:
    return _with(
        {
            "record_id": "TC2611240100000001",
            "person_id": "001225012345",  # Hà Nội, boy born 2025
            "birth_date": "2025-03-02",
            "vaccine_code": "DPT_VGB_HIB",
            "dose_number": "2",
            "vaccinated_on": "2025-07-02",
            "facility_code": "01001",
            "province_code": "01",
            "commune_code": "00070",
            "updated_at": "2026-11-24 09:00:00",
        },
        overrides,
    )


def birth_row(**overrides: str) -> dict[str, str]:
    return _with(
        {
            "certificate_no": "CS2611240100001",
            "mother_id": "001195012345",  # Hà Nội, woman born 1995
            "mother_birth_date": "1995-08-09",
            "born_at": "2026-11-20 03:15",
            "sex": "F",
            "weight_grams": "3100",
            "gestational_weeks": "39",
            "place": "facility",
            "facility_code": "01001",
            "province_code": "01",
            "commune_code": "00070",
            "updated_at": "2026-11-24 09:00:00",
        },
        overrides,
    )


def death_row(**overrides: str) -> dict[str, str]:
    return _with(
        {
            "notice_no": "BT2611240100001",
            "person_id": "001040012345",  # Hà Nội, man born 1940
            "birth_date": "1940-02-11",
            "died_at": "2026-11-18 22:40",
            "cause_icd10": "I63.9",
            "place": "facility",
            "facility_code": "01001",
            "province_code": "01",
            "commune_code": "00070",
            "updated_at": "2026-11-24 09:00:00",
        },
        overrides,
    )


def social_protection_row(**overrides: str) -> dict[str, str]:
    return _with(
        {
            "beneficiary_id": "BTXH01000001",
            "person_id": "001145012345",  # Hà Nội, woman born 1945
            "birth_date": "1945-04-30",
            "category": "elderly",
            "benefit_start": "2024-01-01",  # aged 78
            "benefit_end": "",
            "monthly_amount": "500000",
            "province_code": "01",
            "commune_code": "00070",
            "updated_at": "2026-11-24 09:00:00",
        },
        overrides,
    )


def procedure_row(**overrides: str) -> dict[str, str]:
    return _with(
        {
            "procedure_code": "1.012345",
            "procedure_name": "Cấp giấy phép hoạt động đối với phòng khám",
            "field": "Khám bệnh, chữa bệnh",
            "level": "province",
            "decentralized": "true",
            "portal_eligible": "true",
            "online_level": "full",
            "portal_integrated": "true",
            "integrated_on": "2025-06-01",
            "standardized": "true",
            "baseline_cost": "120000000",
            "current_cost": "80000000",
            "updated_at": "2026-11-20 09:00:00",
        },
        overrides,
    )


def procedure_status_row(**overrides: str) -> dict[str, str]:
    return _with(
        {
            "province_code": "01",
            "procedure_code": "1.012345",
            "implemented": "có",
            "online_level": "toàn trình",
            "portal_connected": "có",
            "files_received": "1.200",
            "files_online": "900",
            "updated_at": "2026-11-24 09:00:00",
        },
        overrides,
    )
