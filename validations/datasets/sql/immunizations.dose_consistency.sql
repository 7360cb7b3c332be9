-- immunizations.doses.consistent (warning): in each province's delivery of the night, for
-- each vaccine, the doses given of dose n+1 must not exceed the doses of dose n (WHO
-- data-quality review, internal consistency). Doses given = tonight's staged rows that no
-- error rule has failed (the rule is the dataset's last, so every error rule has run).
-- Every row of dose n+1 in an offending province × vaccine × dose group is flagged, so the
-- rule shows in rows_failed; the generator plants exactly those rows.
INSERT INTO stg_failures
WITH errors AS (
    SELECT DISTINCT f._file_id, f._row
    FROM stg_failures AS f
    JOIN stg_rules AS r USING (rule_id)
    WHERE f.dataset = $dataset AND r.severity = 'error'
),

given AS (
    SELECT s._file_id, s._row, s.province_code, s.vaccine_code, s.dose_number
    FROM stg_immunizations AS s
    ANTI JOIN errors AS e USING (_file_id, _row)
    WHERE s.province_code IS NOT NULL AND s.vaccine_code IS NOT NULL
      AND s.dose_number BETWEEN 1 AND 5
),

doses AS (
    SELECT province_code, vaccine_code, dose_number, count(*) AS given
    FROM given
    GROUP BY ALL
),

offending AS (
    SELECT d.province_code, d.vaccine_code, d.dose_number
    FROM doses AS d
    LEFT JOIN doses AS p
      ON p.province_code = d.province_code AND p.vaccine_code = d.vaccine_code
     AND p.dose_number = d.dose_number - 1
    WHERE d.dose_number > 1 AND d.given > coalesce(p.given, 0)
),

final AS (
    SELECT $dataset AS dataset, g._file_id, g._row, $rule_id AS rule_id
    FROM given AS g
    JOIN offending AS o USING (province_code, vaccine_code, dose_number)
)

SELECT * FROM final
