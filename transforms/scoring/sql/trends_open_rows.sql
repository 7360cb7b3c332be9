-- Quarantined records still open on the night, for the log.
SELECT coalesce(sum(open_rows), 0) AS open_rows
FROM wh.progress.open_quarantine
WHERE run_date = $run_date
