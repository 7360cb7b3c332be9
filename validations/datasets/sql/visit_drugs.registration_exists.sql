-- visit_drugs.registration_no.exists: a drug of groups 4-6 whose registration is in neither
-- the drugs register nor the herbal products register (both load first). A line without a
-- registration is not judged here.
INSERT INTO stg_failures
WITH registers AS (
    SELECT registration_no FROM wh.core.drugs
    UNION
    SELECT registration_no FROM wh.core.herbal_products
),

final AS (
    SELECT $dataset AS dataset, s._file_id, s._row, $rule_id AS rule_id
    FROM stg_visit_drugs AS s
    WHERE s.registration_no IS NOT NULL
      AND s.drug_group IN ('4', '5', '6')
      AND s.registration_no NOT IN (SELECT registration_no FROM registers)
)

SELECT * FROM final
