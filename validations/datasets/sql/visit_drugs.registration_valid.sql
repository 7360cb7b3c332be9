-- visit_drugs.registration_no.valid_on_order (warning): the drug's registration had expired
-- on the day it was ordered (drugs and herbal products load first). An unknown
-- registration fails `registration_no.exists` instead.
INSERT INTO stg_failures
WITH registrations AS (
    SELECT registration_no, valid_until FROM wh.core.drugs
    UNION ALL
    SELECT registration_no, valid_until FROM wh.core.herbal_products
),

final AS (
    SELECT DISTINCT $dataset AS dataset, s._file_id, s._row, $rule_id AS rule_id
    FROM stg_visit_drugs AS s
    JOIN registrations AS r ON r.registration_no = s.registration_no
    WHERE s.ordered_at IS NOT NULL
      AND r.valid_until IS NOT NULL
      AND s.ordered_at::DATE > r.valid_until
)

SELECT * FROM final
