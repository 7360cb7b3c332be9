-- prescriptions.prescriber_license_no.active: the prescriber's licence is in the register
-- (warehouse, tonight's accepted rows included: practitioners load first) but suspended or
-- revoked. A licence not in the register fails the `exists` reference rule instead.
INSERT INTO stg_failures
WITH licences AS (
    SELECT license_no, status FROM wh.core.practitioners
),

final AS (
    SELECT $dataset AS dataset, s._file_id, s._row, $rule_id AS rule_id
    FROM stg_prescriptions AS s
    JOIN licences AS l ON l.license_no = s.prescriber_license_no
    WHERE l.status IS DISTINCT FROM 'active'
)

SELECT * FROM final
