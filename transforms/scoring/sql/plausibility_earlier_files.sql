-- The files the sources staged tonight had already delivered for the dataset this night, in
-- an earlier run (a partial re-run with new files): their rows count in the aggregates.
WITH final AS (
    SELECT source_file
    FROM wh.meta.files
    WHERE run_date = $run_date AND dataset = $dataset AND status = 'loaded'
      AND source_current IN (SELECT source FROM stg_files WHERE dataset = $dataset)
      AND source_file NOT IN (SELECT source_file FROM stg_files)
)

SELECT * FROM final;
