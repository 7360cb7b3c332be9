-- Tonight's aggregates of a dataset replace those an earlier run of the same night kept for
-- the same sources (a re-run with new files: they are recomputed from all the source's files
-- of the night); a source with nothing staged keeps its own. A file's layout is replaced
-- only by the same file's.
DELETE FROM wh.dq.night_stats
WHERE run_date = $run_date AND dataset = $dataset
  AND source IN (SELECT source FROM stg_files WHERE dataset = $dataset);

DELETE FROM wh.dq.file_layouts
WHERE run_date = $run_date AND dataset = $dataset
  AND source_file IN (SELECT source_file FROM stg_files WHERE dataset = $dataset);
