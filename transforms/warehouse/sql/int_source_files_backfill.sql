-- A restricted file written before rs.meta.source_files has raw and quarantined rows but
-- an empty index: fill it once from the views (run only then).
INSERT INTO rs.meta.source_files (run_id, source_file)
WITH delivered AS (
    SELECT run_id, source_file FROM rs.raw.rows
    UNION
    SELECT run_id, source_file FROM rs.quarantine.rows
)

SELECT run_id, source_file FROM delivered;
