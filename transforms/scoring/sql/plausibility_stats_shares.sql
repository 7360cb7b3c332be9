-- The share of each value of a categorical column per source (n: the source's rows with a
-- value). Reads night_rows. Identifiers: {column}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT s.source, s._file_province AS province_code, s.{column}::VARCHAR AS v
    FROM night_rows AS s
    WHERE s.{column} IS NOT NULL
),

counts AS (
    SELECT source, any_value(province_code) AS province_code, v, count(*) AS k
    FROM staged
    GROUP BY source, v
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, province_code
         , $dataset AS dataset, $prefix || v AS metric
         , k / sum(k) OVER (PARTITION BY source) AS value
         , sum(k) OVER (PARTITION BY source) AS n
    FROM counts
)

SELECT * FROM final;
