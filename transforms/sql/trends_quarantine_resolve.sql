-- A quarantined record is resolved when the same key of the dataset is in core, loaded by a
-- run that started after the run that quarantined it. Identifiers: {dataset}, {core_key}.
UPDATE rs.quarantine.rows AS q
SET resolved_at = r.loaded_at, resolved_by_run = r.run_id, resolved_on = r.run_date
FROM (
    SELECT {core_key} AS record_key, c._loaded_at AS loaded_at, c._run_id AS run_id
         , coalesce(m.run_date, $run_date) AS run_date
    FROM wh.core.{dataset} AS c
    LEFT JOIN wh.meta.runs AS m ON m.run_id = c._run_id
) AS r, wh.meta.runs AS quarantined_by
WHERE q.dataset = $dataset
  AND q.resolved_at IS NULL
  AND q.record_key = r.record_key
  AND quarantined_by.run_id = q.run_id
  AND r.loaded_at > quarantined_by.started_at;
