-- Tonight's files of a dataset join the index of the files each run delivered rows from
-- (rs.meta.source_files), once per run and file.
INSERT INTO rs.meta.source_files (run_id, source_file)
WITH tonight AS (
    SELECT DISTINCT $run_id AS run_id, source_file
    FROM stg_files
    WHERE dataset = $dataset
),

final AS (
    SELECT t.run_id, t.source_file
    FROM tonight AS t
    ANTI JOIN rs.meta.source_files AS k USING (run_id, source_file)
)

SELECT * FROM final;
