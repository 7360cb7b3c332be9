"""duoc: `prescriptions`, electronic prescriptions (Circular 26/2025/TT-BYT), one prescription
per row, delivered by every province. Key: prescription_code."""

from __future__ import annotations

from validations import checks, codes
from validations.datasets import define
from validations.model import Column, Rule

DATASET = define(
    id="prescriptions",
    database_id="duoc",
    delivered_by="province",
    key=("prescription_code",),
    description_vi="Đơn thuốc điện tử",
    description_en="Electronic prescriptions",
    example={
        "prescription_code": "01001ab12cd3-N",
        "facility_code": "01001",
        "patient_id": "001090012345",
        "prescriber_license_no": "001234/BYT-CCHN",
        "issued_at": "2026-11-23 09:15:00",
        "drug_registration_no": "VD-12345-19",
        "quantity": "20",
        "days_supply": "10",
        "province_code": "01",
        "updated_at": "2026-11-24 09:00:00",
    },
    columns=(
        Column(
            "prescription_code",
            "code",
            "Prescription code (mã đơn thuốc): the facility "
            "code, 7 lower-case letters or digits, `-` and the kind (N, H, C or T)",
            vi=("mã đơn thuốc", "MA_DON_THUOC"),
            required=True,
        ),
        Column(
            "facility_code",
            "code",
            "Prescribing facility (MA_CSKCB)",
            vi=("MA_CSKCB", "mã cơ sở"),
            required=True,
            width=5,
        ),
        Column(
            "patient_id",
            "person_id",
            "Patient's person id, pseudonymised in the warehouse (keyed hash of the CCCD)",
            vi=("SO_CCCD", "số định danh người bệnh"),
            required=True,
            pii="pseudonymise",
        ),
        Column(
            "prescriber_license_no",
            "code",
            "Prescriber's practising certificate or licence number",
            vi=("số CCHN người kê đơn", "số CCHN", "MA_BAC_SI"),
            required=True,
        ),
        Column(
            "issued_at",
            "datetime",
            "When the prescription was issued, local time",
            vi=("ngày kê đơn", "NGAY_KE_DON", "thời điểm kê đơn"),
            required=True,
        ),
        Column(
            "drug_registration_no",
            "code",
            "Registration number of the drug prescribed",
            vi=("số đăng ký thuốc", "số đăng ký", "SO_DANG_KY"),
            required=True,
        ),
        Column(
            "quantity",
            "int",
            "Quantity prescribed, in the drug's unit",
            vi=("số lượng", "SO_LUONG"),
            required=True,
        ),
        Column(
            "days_supply",
            "int",
            "Days of treatment the quantity covers",
            vi=("số ngày dùng", "số ngày", "SO_NGAY"),
        ),
        Column(
            "province_code",
            "province",
            "Province of the prescribing facility",
            vi=("mã tỉnh", "MA_TINH"),
            required=True,
            width=2,
        ),
        Column(
            "updated_at",
            "datetime",
            "When the source system last changed the record",
            vi=("ngày cập nhật", "thời điểm cập nhật", "NGAY_CAP_NHAT"),
            required=True,
        ),
    ),
    rules=(
        Rule(
            "prescriptions.prescription_code.format",
            "accurate",
            "error",
            "Mã đơn thuốc không đúng định dạng (5 ký tự mã cơ sở, 7 chữ thường hoặc số, -N/H/C/T)",
            "prescription_code is not 5 facility characters, 7 lower-case letters or digits "
            "and -N, -H, -C or -T",
            ("prescription_code",),
            check=lambda df, ctx: checks.matches(df["prescription_code"], codes.PRESCRIPTION_CODE),
            breaks=lambda row, ctx: {"prescription_code": "01001AB12CD3-N"},
        ),
        Rule(
            "prescriptions.prescription_code.facility_prefix",
            "accurate",
            "error",
            "5 ký tự đầu của mã đơn thuốc khác mã cơ sở kê đơn",
            "The first 5 characters of prescription_code differ from facility_code",
            ("prescription_code", "facility_code"),
            check=lambda df, ctx: checks.prefix_equals(
                df["prescription_code"], df["facility_code"], 5
            ),
            breaks=lambda row, ctx: {"prescription_code": "01002ab12cd3-N"},
        ),
        Rule(
            "prescriptions.facility_code.exists",
            "accurate",
            "error",
            "Mã cơ sở không có trong danh mục cơ sở khám chữa bệnh",
            "facility_code is not in the facilities register",
            ("facility_code",),
            kind="reference",
            references=("facilities", "facility_code"),
        ),
        Rule(
            "prescriptions.prescriber_license_no.exists",
            "accurate",
            "error",
            "Số CCHN của người kê đơn không có trong danh sách người hành nghề",
            "prescriber_license_no is not in the practitioners register",
            ("prescriber_license_no",),
            kind="reference",
            references=("practitioners", "license_no"),
        ),
        Rule(
            "prescriptions.prescriber_license_no.active",
            "accurate",
            "error",
            "Chứng chỉ hành nghề của người kê đơn đang bị đình chỉ hoặc đã bị thu hồi",
            "The prescriber's licence is suspended or revoked",
            ("prescriber_license_no",),
            kind="sql",
            sql="prescriptions.prescriber_active",
            needs=("practitioners",),
        ),
        Rule(
            "prescriptions.drug_registration_no.exists",
            "accurate",
            "error",
            "Số đăng ký thuốc không có trong danh mục thuốc",
            "drug_registration_no is not in the drugs register",
            ("drug_registration_no",),
            kind="reference",
            references=("drugs", "registration_no"),
        ),
        # A warning, not an error: the prescription did happen and its data is right; an
        # expired registration is a fact about the drug (and under the 2024 Pharmacy Law
        # amendment a drug may stay on the market while its renewal is pending), so the row
        # is loaded and flagged like an expired certificate, not hidden in quarantine.
        Rule(
            "prescriptions.drug_registration_no.valid_on_issue",
            "up_to_date",
            "warning",
            "Số đăng ký thuốc đã hết hiệu lực vào ngày kê đơn",
            "The drug's registration had expired on the day the prescription was issued",
            ("drug_registration_no", "issued_at"),
            kind="sql",
            sql="prescriptions.registration_valid",
            needs=("drugs",),
        ),
        Rule(
            "prescriptions.quantity.positive",
            "accurate",
            "error",
            "Số lượng thuốc phải lớn hơn 0",
            "quantity must be greater than 0",
            ("quantity",),
            check=lambda df, ctx: checks.passes(df["quantity"] > 0),
            breaks=lambda row, ctx: {"quantity": "0"},
        ),
        Rule(
            "prescriptions.days_supply.range",
            "accurate",
            "error",
            "Số ngày dùng thuốc phải từ 1 đến 90",
            "days_supply must be between 1 and 90",
            ("days_supply",),
            check=lambda df, ctx: checks.in_range(df["days_supply"], 1, 90),
            breaks=lambda row, ctx: {"days_supply": "0"},
        ),
    ),
)
