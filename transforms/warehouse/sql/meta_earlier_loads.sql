-- Which of tonight's file contents ($hashes) an earlier run loaded: the first file with
-- that content and its run (the night's files with such content are duplicates).
WITH loaded AS (
    SELECT sha256, source_file, run_id, processed_at
    FROM wh.meta.files
    WHERE status = 'loaded' AND sha256 IN (SELECT unnest($hashes))
),

final AS (
    SELECT sha256
         , arg_min(source_file, processed_at) AS source_file
         , arg_min(run_id, processed_at) AS run_id
    FROM loaded
    GROUP BY sha256
)

SELECT * FROM final
