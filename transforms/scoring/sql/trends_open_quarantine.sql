-- Quarantined records still open as of the run date, per province (moh for the ministry)
-- and database: counts only, for the analysts' warehouse (the rows stay in restricted).
DELETE FROM wh.progress.open_quarantine WHERE run_date = $run_date;

INSERT INTO wh.progress.open_quarantine BY NAME
WITH quarantined AS (
    SELECT run_date AS quarantined_on, dataset, source, resolved_on
         , CASE WHEN coalesce(record_key, '') <> '' THEN 'key:' || record_key
                ELSE 'row:' || source_file || '#' || row_number::VARCHAR END AS record
    FROM rs.quarantine.rows
    WHERE run_date <= $run_date
),

tagged AS (
    SELECT CASE WHEN q.source = 'moh' THEN 'moh' ELSE substr(q.source, 2) END AS province_code
         , coalesce(d.database_id, 'unknown') AS database_id, q.dataset, q.record
         , q.quarantined_on
         , q.resolved_on IS NULL OR q.resolved_on > $run_date AS is_open
    FROM quarantined AS q
    LEFT JOIN stg_datasets AS d USING (dataset)
),

per_record AS (
    SELECT province_code, database_id, dataset, record
         , bool_or(is_open) AS is_open
         , min(quarantined_on) FILTER (WHERE is_open) AS open_since
    FROM tagged
    GROUP BY ALL
),

final AS (
    SELECT $run_date AS run_date, province_code, database_id
         , count(*) FILTER (WHERE is_open) AS open_rows
         , count(*) FILTER (WHERE NOT is_open) AS resolved_rows
         , min(open_since) AS oldest_open_since
         , date_diff('day', min(open_since), $run_date::DATE)::INTEGER AS oldest_open_days
    FROM per_record
    GROUP BY ALL
)

SELECT * FROM final ORDER BY province_code, database_id;
