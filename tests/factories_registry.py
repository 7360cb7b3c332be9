"""Valid rows of the ministry registries and the exports that reference them, by default,
with overrides for the case at hand. Run their row rules with `tests.factories.failures`."""

from __future__ import annotations


def practitioner_row(**overrides: str) -> dict[str, str]:
    row = {
        "license_no": "001234/BYT-CCHN",
        "person_id": "001185012345",  # Hà Nội, female, born 1985
        "full_name": "Trần Thị Hoa",
        "birth_date": "1985-03-02",
        "sex": "F",
        "profession": "doctor",
        "facility_code": "01001",
        "issued_on": "2012-06-15",
        "status": "active",
        "updated_at": "2026-11-20 08:00:00",
    }
    return {**row, **overrides}


def drug_row(**overrides: str) -> dict[str, str]:
    row = {
        "registration_no": "VD-12345-19",
        "drug_name": "Paracetamol 500mg",
        "active_ingredient": "Paracetamol",
        "dosage_form": "Viên nén",
        "manufacturer": "Công ty Cổ phần Dược Hậu Giang",
        "country": "VN",
        "valid_until": "2028-12-31",
        "updated_at": "2026-11-20 08:00:00",
    }
    return {**row, **overrides}


def herbal_product_row(**overrides: str) -> dict[str, str]:
    row = {
        "registration_no": "V123-H12-19",
        "product_name": "Hoạt huyết dưỡng não",
        "ingredients": "Đinh lăng, Bạch quả",
        "manufacturer": "Công ty Cổ phần Traphaco",
        "valid_until": "2028-06-30",
        "updated_at": "2026-11-20 08:00:00",
    }
    return {**row, **overrides}


def medical_device_row(**overrides: str) -> dict[str, str]:
    row = {
        "registration_no": "2400123ĐKLH/BYT-HTTB",
        "device_name": "Máy thở chức năng cao",
        "risk_class": "C",
        "owner_name": "Công ty TNHH Thiết bị Y tế Việt Nhật",
        "valid_until": "2029-01-31",
        "updated_at": "2026-11-20 08:00:00",
    }
    return {**row, **overrides}


def prescription_row(**overrides: str) -> dict[str, str]:
    row = {
        "prescription_code": "01001ab12cd3-N",
        "facility_code": "01001",
        "patient_id": "001090012345",  # Hà Nội, male, born 1990
        "prescriber_license_no": "001234/BYT-CCHN",
        "issued_at": "2026-11-23 09:15:00",
        "drug_registration_no": "VD-12345-19",
        "quantity": "20",
        "days_supply": "10",
        "province_code": "01",
        "updated_at": "2026-11-24 09:00:00",
    }
    return {**row, **overrides}


def workforce_row(**overrides: str) -> dict[str, str]:
    row = {
        "staff_id": "01-0000123",
        "person_id": "001185012345",  # Hà Nội, female, born 1985
        "full_name": "Trần Thị Hoa",
        "birth_date": "1985-03-02",
        "sex": "F",
        "position": "Bác sĩ điều trị",
        "qualification": "specialist",
        "facility_code": "01001",
        "practitioner_license_no": "001234/BYT-CCHN",
        "start_date": "2012-09-01",
        "end_date": "",
        "province_code": "01",
        "updated_at": "2026-11-24 09:00:00",
    }
    return {**row, **overrides}


def health_check_row(**overrides: str) -> dict[str, str]:
    row = {
        "check_id": "01-KSK-0000123",
        "person_id": "001090012345",
        "check_type": "driver",
        "checked_on": "2026-11-20",
        "facility_code": "01001",
        "conclusion": "fit",
        "valid_until": "2027-11-20",
        "province_code": "01",
        "updated_at": "2026-11-24 09:00:00",
    }
    return {**row, **overrides}
