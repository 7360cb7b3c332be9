-- An indicator count per source and province (a provincial file's province, else the row's):
-- rows whose columns {a} and {b} hold $va and $vb (the same column twice for one condition).
-- Identifiers: {dataset}, {a}, {b}, {province}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT f.source, coalesce(f.province_code, s.{province}::VARCHAR) AS province_code
         , s.{a}::VARCHAR = $va AND s.{b}::VARCHAR = $vb AS hit
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, province_code
         , $dataset AS dataset, $metric AS metric
         , count(*) FILTER (WHERE hit)::DOUBLE AS value, count(*) AS n
    FROM staged
    WHERE province_code IS NOT NULL
    GROUP BY source, province_code
)

SELECT * FROM final;
