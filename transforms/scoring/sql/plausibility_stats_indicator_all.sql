-- An indicator that counts every row, per source and province (a provincial file's
-- province, else the row's). Identifiers: {dataset}, {province}; {a} and {b} are unused.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT f.source, coalesce(f.province_code, s.{province}::VARCHAR) AS province_code
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, province_code
         , $dataset AS dataset, $metric AS metric, count(*)::DOUBLE AS value, count(*) AS n
    FROM staged
    WHERE province_code IS NOT NULL
    GROUP BY source, province_code
)

SELECT * FROM final;
