-- Per dataset of a night: every file record of every run of the night, as meta.runs sums
-- them (a duplicate adds no row, a rejected file none), so the report's headline equals
-- meta.runs.
WITH night AS (
    SELECT dataset, status, rows_in, rows_loaded, rows_quarantined
    FROM meta.files
    WHERE run_date = $run_date
),

final AS (
    SELECT coalesce(dataset, '?') AS dataset
         , count(*) AS files
         , count(*) FILTER (WHERE status = 'rejected') AS files_rejected
         , sum(rows_in) AS rows_in
         , sum(rows_loaded) AS rows_loaded
         , sum(rows_quarantined) AS rows_quarantined
    FROM night
    GROUP BY ALL
)

SELECT * FROM final ORDER BY dataset;
