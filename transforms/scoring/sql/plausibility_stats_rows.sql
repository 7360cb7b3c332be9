-- Rows received per source of the dataset being finished: the staged files' rows, and those
-- the source's earlier files of the night received (meta.files; a partial re-run with new
-- files). Identifiers: {dataset}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT f.source, f.province_code, count(*) AS k
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
    GROUP BY ALL
),

earlier AS (
    SELECT source_current AS source, province_code, rows_in AS k
    FROM wh.meta.files
    WHERE run_date = $run_date AND dataset = $dataset AND status = 'loaded'
      AND source_current IN (SELECT source FROM stg_files WHERE dataset = $dataset)
      AND source_file NOT IN (SELECT source_file FROM stg_files)
),

received AS (
    SELECT * FROM staged
    UNION ALL
    SELECT * FROM earlier
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, any_value(province_code) AS province_code
         , $dataset AS dataset, 'rows' AS metric, sum(k)::DOUBLE AS value, sum(k) AS n
    FROM received
    GROUP BY source
)

SELECT * FROM final;
