-- The night's median duration in days between two time columns per source, and its standard
-- error from its order statistics (as plausibility_stats_median).
-- Reads night_rows. Identifiers: {start}, {end}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT s.source, s._file_province AS province_code
         , date_diff('minute', s.{start}::TIMESTAMP, s.{end}::TIMESTAMP) / 1440.0 AS v
    FROM night_rows AS s
),

ranked AS (
    SELECT source, province_code, v
         , row_number() OVER (PARTITION BY source ORDER BY v) AS r
         , count(*) OVER (PARTITION BY source) AS k
    FROM staged
    WHERE v >= 0
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, any_value(province_code) AS province_code
         , $dataset AS dataset, $metric AS metric, median(v) AS value, count(v) AS n
         , (max(v) FILTER (WHERE r <= least(k, ceil(k / 2 + sqrt(k) / 2)))
            - min(v) FILTER (WHERE r >= greatest(1, floor(k / 2 - sqrt(k) / 2)))) / 2 AS median_se
    FROM ranked
    GROUP BY source
    HAVING count(v) > 0
)

SELECT * FROM final;
