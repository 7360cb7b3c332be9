-- The quarantined rows × rules a night's feedback lists (restricted file): every row of the
-- night, and the latest quarantine of every record of an earlier night still open on the
-- night (not loaded cleanly since: resolved_on empty or later). A record is its dataset and
-- key, or, without a key, its file and row (as progress.open_quarantine counts them); its
-- age counts from the first quarantine of its current open stretch.
WITH quarantined AS (
    SELECT *
         , dataset || '|' || CASE WHEN coalesce(record_key, '') <> '' THEN 'key:' || record_key
                ELSE 'row:' || source_file || '#' || row_number::VARCHAR END AS record
    FROM quarantine.rows
    WHERE run_date <= $run_date
),

records AS (
    SELECT record
         , bool_or(resolved_on IS NULL OR resolved_on > $run_date) AS is_open
         , min(run_date) FILTER (WHERE resolved_on IS NULL OR resolved_on > $run_date)
               AS first_quarantined_on
         , max(run_date) AS last_quarantined_on
    FROM quarantined
    GROUP BY ALL
),

final AS (
    SELECT q.source, q.dataset
         , date_diff('day', r.first_quarantined_on, $run_date::DATE)::INTEGER AS nights_open
         , r.first_quarantined_on, q.source_file, q.row_number, q.record_key, q.rule_id
         , q.criterion, q.severity, q.message, q.raw::VARCHAR AS raw
         , q.run_date = $run_date AS tonight
    FROM quarantined AS q
    JOIN records AS r USING (record)
    WHERE q.run_date = $run_date
       OR (r.is_open AND q.run_date = r.last_quarantined_on AND r.last_quarantined_on < $run_date)
)

SELECT * FROM final ORDER BY source, dataset, source_file, row_number, rule_id;
