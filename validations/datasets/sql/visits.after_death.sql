-- visits.admitted_at.after_death (warning): a visit admitted after the patient's recorded
-- death (deaths load first). Staged ids are raw; core ids are pseudonyms: the expression
-- below is transforms.warehouse_schema.pseudonym_sql("s.patient_id") (a unit test keeps
-- them equal).
INSERT INTO stg_failures
WITH dead AS (
    SELECT person_id, min(died_at) AS died_at
    FROM wh.core.deaths
    WHERE person_id IS NOT NULL AND died_at IS NOT NULL
    GROUP BY person_id
),

visits AS (
    SELECT s._file_id, s._row, s.admitted_at
         , sha256(k.opad || unhex(sha256(k.ipad || encode(s.patient_id)))) AS person
    FROM stg_visits AS s
    CROSS JOIN stg_key AS k
    WHERE s.patient_id IS NOT NULL AND s.admitted_at IS NOT NULL
),

final AS (
    SELECT $dataset AS dataset, v._file_id, v._row, $rule_id AS rule_id
    FROM visits AS v
    JOIN dead AS d ON d.person_id = v.person
    WHERE v.admitted_at > d.died_at
)

SELECT * FROM final
