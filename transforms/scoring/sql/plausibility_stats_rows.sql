-- Rows received per source of the dataset being finished. Identifiers: {dataset}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT f.source, f.province_code
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, any_value(province_code) AS province_code
         , $dataset AS dataset, 'rows' AS metric, count(*)::DOUBLE AS value, count(*) AS n
    FROM staged
    GROUP BY source
)

SELECT * FROM final;
