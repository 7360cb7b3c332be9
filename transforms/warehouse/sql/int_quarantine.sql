-- A re-delivered file replaces what its earlier version put in the quarantine and the raw
-- rows: a tombstone per (run, file) hides them (their segments are never modified). Tonight's
-- own rows are never hidden: a claims package delivers several datasets from one file.
-- Read through the night's views (segments.night_view): only the row groups that can hold
-- tonight's files are read.
INSERT INTO rs.store.quarantine__rows__deleted (run_id, source_file)
SELECT DISTINCT run_id, source_file
FROM seg_quarantine__rows
WHERE source_file IN (SELECT source_file FROM stg_files WHERE dataset = $dataset)
  AND run_id <> $run_id;

INSERT INTO rs.store.raw__rows__deleted (run_id, source_file)
SELECT DISTINCT run_id, source_file
FROM seg_raw__rows
WHERE source_file IN (SELECT source_file FROM stg_files WHERE dataset = $dataset)
  AND run_id <> $run_id;
