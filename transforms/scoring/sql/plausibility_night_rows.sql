-- Every row of the dataset that the sources staged tonight delivered this night: the staged
-- rows, and the rows their earlier files of the same night loaded (a partial re-run with new
-- files of a source: its aggregates count everything it delivered, not the new files only).
-- Identifiers: {dataset}; {columns}, the columns the aggregates read.
CREATE OR REPLACE TEMP TABLE night_rows AS
WITH staged AS (
    SELECT f.source, f.province_code AS _file_province, s.* EXCLUDE (_file_id)
    FROM (SELECT _file_id, {columns} FROM stg_{dataset}) AS s
    JOIN stg_files AS f USING (_file_id)
),

earlier_files AS (
    SELECT DISTINCT source_file, source_current AS source, province_code
    FROM wh.meta.files
    WHERE run_date = $run_date AND dataset = $dataset AND status = 'loaded'
      AND source_current IN (SELECT source FROM stg_files WHERE dataset = $dataset)
      AND source_file NOT IN (SELECT source_file FROM stg_files)
),

earlier AS (
    SELECT e.source, e.province_code AS _file_province, s.* EXCLUDE (_source_file)
    FROM (SELECT _source_file, {columns} FROM wh.core.{dataset}) AS s
    JOIN earlier_files AS e ON s._source_file = e.source_file
),

final AS (
    SELECT * FROM staged
    UNION ALL BY NAME
    SELECT * FROM earlier
)

SELECT * FROM final;
