-- social_protection.person_id.dead (warning): a benefit still active on the run date (no
-- end, or an end on or after it) for a person with a death notice in the warehouse (deaths
-- load first). Staged ids are raw; core ids are pseudonyms: the expression below is
-- transforms.warehouse_schema.pseudonym_sql("s.person_id") (a unit test keeps them equal).
INSERT INTO stg_failures
WITH dead AS (
    SELECT person_id, min(died_at) AS died_at
    FROM wh.core.deaths
    WHERE person_id IS NOT NULL AND died_at IS NOT NULL
    GROUP BY person_id
),

beneficiaries AS (
    SELECT s._file_id, s._row, s.benefit_end
         , sha256(k.opad || unhex(sha256(k.ipad || encode(s.person_id)))) AS person
    FROM stg_social_protection AS s
    CROSS JOIN stg_key AS k
    WHERE s.person_id IS NOT NULL
),

final AS (
    SELECT $dataset AS dataset, b._file_id, b._row, $rule_id AS rule_id
    FROM beneficiaries AS b
    JOIN dead AS d ON d.person_id = b.person
    WHERE b.benefit_end IS NULL OR b.benefit_end >= $run_date
)

SELECT * FROM final
