-- How many earlier runs delivered rows from one of tonight's files of a dataset (a corrected
-- re-delivery, or a re-run of the night): only then has int_quarantine anything to hide.
SELECT count(*) AS earlier
FROM rs.meta.source_files
WHERE run_id <> $run_id
  AND source_file IN (SELECT source_file FROM stg_files WHERE dataset = $dataset)
