-- Per source × dataset of a night: the files as they stand after every run of the night
-- (the latest record per landing file) and what their content contributed.
WITH latest AS (
    SELECT *
    FROM meta.files
    WHERE run_date = $run_date AND source_current IS NOT NULL
    -- A claims package is one record per dataset it delivers.
    QUALIFY row_number() OVER (PARTITION BY source_file, dataset ORDER BY processed_at DESC) = 1
),

contributed AS (
    SELECT l.source_current AS source, coalesce(l.dataset, '?') AS dataset, l.source_file
         , l.status, l.error, s.rows_in, s.rows_loaded, s.rows_quarantined
    FROM latest AS l
    LEFT JOIN dq.file_stats AS s
      ON l.status IN ('loaded', 'duplicate')
     AND s.sha256 = l.sha256 AND s.source_file = coalesce(l.duplicate_of, l.source_file)
     AND s.dataset = l.dataset
),

final AS (
    SELECT source, dataset, count(*) AS files
         , count(*) FILTER (WHERE status = 'rejected') AS files_rejected
         , coalesce(sum(rows_in), 0) AS rows_in
         , coalesce(sum(rows_loaded), 0) AS rows_loaded
         , coalesce(sum(rows_quarantined), 0) AS rows_quarantined
         , string_agg(source_file || ': ' || error, '; ') FILTER (WHERE status = 'rejected')
               AS file_errors
    FROM contributed
    GROUP BY ALL
)

SELECT * FROM final ORDER BY source, dataset;
