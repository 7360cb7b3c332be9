-- The runs of a night and what they counted.
SELECT run_id, status, files_seen, rows_in, rows_loaded, rows_quarantined
FROM meta.runs
WHERE run_date = $run_date
ORDER BY started_at;
