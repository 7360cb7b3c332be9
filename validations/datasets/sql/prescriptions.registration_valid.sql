-- prescriptions.drug_registration_no.valid_on_issue: the drug's registration had expired on
-- the day the prescription was issued (drugs load first). An unknown registration fails
-- the `exists` reference rule instead; a missing issued_at is the `required` rule's job.
INSERT INTO stg_failures
WITH registrations AS (
    SELECT registration_no, valid_until FROM wh.core.drugs
),

final AS (
    SELECT $dataset AS dataset, s._file_id, s._row, $rule_id AS rule_id
    FROM stg_prescriptions AS s
    JOIN registrations AS r ON r.registration_no = s.drug_registration_no
    WHERE s.issued_at IS NOT NULL
      AND r.valid_until IS NOT NULL
      AND s.issued_at::DATE > r.valid_until
)

SELECT * FROM final
