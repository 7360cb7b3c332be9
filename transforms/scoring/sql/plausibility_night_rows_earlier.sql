-- Add to night_rows the rows that the earlier files of the night of a source loaded (run
-- only when plausibility_earlier_files lists some: core is not read otherwise).
-- Identifiers: {dataset}; {columns}, _source_file and the columns the aggregates read.
INSERT INTO night_rows BY NAME
WITH earlier_files AS (
    SELECT DISTINCT source_file, source_current AS source, province_code
    FROM wh.meta.files
    WHERE run_date = $run_date AND dataset = $dataset AND status = 'loaded'
      AND source_current IN (SELECT source FROM stg_files WHERE dataset = $dataset)
      AND source_file NOT IN (SELECT source_file FROM stg_files)
),

final AS (
    SELECT e.source, e.province_code AS _file_province, s.* EXCLUDE (_source_file)
    FROM (SELECT {columns} FROM wh.core.{dataset}) AS s
    JOIN earlier_files AS e ON s._source_file = e.source_file
)

SELECT * FROM final;
