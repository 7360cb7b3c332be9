-- The night's median of a numeric column per source. Identifiers: {dataset}, {column}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT f.source, f.province_code, s.{column}::DOUBLE AS v
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, any_value(province_code) AS province_code
         , $dataset AS dataset, $metric AS metric, median(v) AS value, count(v) AS n
    FROM staged
    GROUP BY source
    HAVING count(v) > 0
)

SELECT * FROM final;
