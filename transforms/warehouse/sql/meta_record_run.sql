-- A run's line in meta.runs: a published night (`succeeded`, with its counts) or a failed
-- one (`failed`, with its error and no counts).
INSERT INTO wh.meta.runs (
    run_id, run_date, started_at, finished_at, status, error, sources, datasets
  , files_seen, rows_in, rows_loaded, rows_quarantined
)
VALUES (
    $run_id, $run_date, $started_at, $finished_at, $status, $error, $sources, $datasets
  , $files_seen, $rows_in, $rows_loaded, $rows_quarantined
)
