-- The night's files whose layout differs from their source's previous delivery.
WITH final AS (
    SELECT source, dataset, source_file, change, detail
    FROM dq.schema_changes
    WHERE run_date = $run_date
)

SELECT * FROM final ORDER BY source_file, change;
