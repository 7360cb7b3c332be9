-- The night's median duration in days between two time columns per source.
-- Identifiers: {dataset}, {start}, {end}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT f.source, f.province_code
         , date_diff('minute', s.{start}::TIMESTAMP, s.{end}::TIMESTAMP) / 1440.0 AS v
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, any_value(province_code) AS province_code
         , $dataset AS dataset, $metric AS metric, median(v) AS value, count(v) AS n
    FROM staged
    WHERE v >= 0
    GROUP BY source
    HAVING count(v) > 0
)

SELECT * FROM final;
