"""co_so_hanh_nghe: `practitioners`, the ministry's register of practising certificates and
licences (CCHN / GPHN) of health workers. Key: license_no."""

from __future__ import annotations

from validations import checks, codes
from validations.datasets import SEX, define
from validations.model import Column, Rule

DATASET = define(
    id="practitioners",
    database_id="co_so_hanh_nghe",
    delivered_by="moh",
    key=("license_no",),
    description_vi="Danh sách người hành nghề khám bệnh, chữa bệnh (chứng chỉ, giấy phép)",
    description_en="Register of licensed health practitioners (certificates and licences)",
    columns=(
        Column("license_no", "code", "Practising certificate or licence number, e.g. "
               "`001234/BYT-CCHN` or `009999/HNO-GPHN`",
               vi=("số CCHN", "số GPHN", "số chứng chỉ hành nghề", "số giấy phép hành nghề",
                   "SO_CCHN"), required=True),
        Column("person_id", "person_id", "Practitioner's person id, pseudonymised in the "
               "warehouse (keyed hash of the CCCD)", vi=("số CCCD", "số định danh", "SO_CCCD"),
               required=True, pii="pseudonymise"),
        Column("full_name", "text", "Practitioner's name; withheld from the analysts' warehouse",
               vi=("họ tên", "họ và tên", "HO_TEN"), required=True, pii="withhold"),
        Column("birth_date", "date", "Practitioner's date of birth", vi=("ngày sinh", "NGAY_SINH"),
               required=True),
        Column("sex", description="Practitioner's sex: M, F or U", vi=("giới tính", "GIOI_TINH"),
               required=True, **SEX),
        Column("profession", "enum", "Profession the certificate is for",
               vi=("chức danh chuyên môn", "chức danh", "nghề"), required=True,
               values=("doctor", "physician_assistant", "nurse", "midwife", "technician",
                       "pharmacist", "traditional_medicine"),
               synonyms={"bác sĩ": "doctor", "bác sỹ": "doctor", "y sĩ": "physician_assistant",
                         "y sỹ": "physician_assistant", "điều dưỡng": "nurse",
                         "hộ sinh": "midwife", "kỹ thuật y": "technician",
                         "kỹ thuật viên": "technician", "dược sĩ": "pharmacist",
                         "dược sỹ": "pharmacist", "y học cổ truyền": "traditional_medicine",
                         "lương y": "traditional_medicine"}),
        Column("facility_code", "code", "Facility where the practitioner is registered to "
               "practise (MA_CSKCB)", vi=("MA_CSKCB", "mã cơ sở", "nơi hành nghề"), width=5),
        Column("issued_on", "date", "Date the certificate or licence was issued",
               vi=("ngày cấp",), required=True),
        Column("status", "enum", "Status of the certificate or licence",
               vi=("trạng thái", "tình trạng"), required=True,
               values=("active", "suspended", "revoked"),
               synonyms={"hiệu lực": "active", "còn hiệu lực": "active", "đang hành nghề": "active",
                         "đình chỉ": "suspended", "tạm đình chỉ": "suspended",
                         "thu hồi": "revoked", "đã thu hồi": "revoked"}),
        Column("updated_at", "datetime", "When the source system last changed the record",
               vi=("ngày cập nhật", "thời điểm cập nhật"), required=True),
    ),
    rules=(
        Rule("practitioners.license_no.format", "accurate", "error",
             "Số CCHN/GPHN không đúng định dạng (số/cơ quan cấp-CCHN hoặc GPHN, "
             "ví dụ 001234/BYT-CCHN)",
             "license_no is not number/AUTHORITY-CCHN or -GPHN (e.g. 001234/BYT-CCHN)",
             ("license_no",),
             check=lambda df, ctx: checks.matches(df["license_no"], codes.LICENCE)),
        Rule("practitioners.facility_code.exists", "accurate", "error",
             "Mã cơ sở hành nghề không có trong danh mục cơ sở khám chữa bệnh",
             "facility_code is not in the facilities register",
             ("facility_code",), kind="reference", references=("facilities", "facility_code")),
        Rule("practitioners.birth_date.matches_id", "accurate", "error",
             "Năm sinh không khớp với chữ số 4–6 của số CCCD",
             "birth_date does not agree with digits 4–6 of the CCCD",
             ("person_id", "birth_date"),
             check=lambda df, ctx: checks.cccd_agrees_with_birth_year(
                 df["person_id"], df["birth_date"])),
        Rule("practitioners.sex.matches_id", "accurate", "error",
             "Giới tính không khớp với chữ số thứ 4 của số CCCD",
             "sex does not agree with digit 4 of the CCCD",
             ("person_id", "sex"),
             check=lambda df, ctx: checks.cccd_agrees_with_sex(df["person_id"], df["sex"])),
        Rule("practitioners.issued_on.adult", "accurate", "error",
             "Ngày cấp chứng chỉ trước ngày người hành nghề đủ 18 tuổi",
             "issued_on is before the practitioner's 18th birthday",
             ("birth_date", "issued_on"),
             check=lambda df, ctx: checks.age_between(
                 df["birth_date"], df["issued_on"], low=18)),
        Rule("practitioners.full_name.placeholder", "clean", "warning",
             "Họ tên người hành nghề là giá trị giữ chỗ (test, không rõ...)",
             "full_name is a placeholder (test, unknown...)",
             ("full_name",), check=lambda df, ctx: checks.not_placeholder_name(df["full_name"])),
    ),
)
