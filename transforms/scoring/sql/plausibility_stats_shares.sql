-- The share of each value of a categorical column per source (n: the source's rows with a
-- value). Identifiers: {dataset}, {column}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT f.source, f.province_code, s.{column}::VARCHAR AS v
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
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
