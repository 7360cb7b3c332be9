-- Every expected (source, dataset) delivery of the night, and anything else received.
DELETE FROM wh.progress.submissions WHERE run_date = $run_date;

INSERT INTO wh.progress.submissions BY NAME
WITH received AS (
    SELECT n.source_current AS source, n.dataset
         , count(*) AS files
         , bool_or(n.usable) AS any_usable
         , bool_or(n.usable AND n.late) AS late
    FROM int_night_files AS n
    WHERE n.dataset IS NOT NULL AND n.source_current IS NOT NULL
    GROUP BY ALL
),

row_counts AS (
    SELECT source, dataset, sum(rows_in) AS rows FROM int_night_stats GROUP BY ALL
),

final AS (
    SELECT $run_date AS run_date
         , coalesce(e.source, r.source) AS source
         , coalesce(e.dataset, r.dataset) AS dataset
         , e.source IS NOT NULL AS expected
         , CASE WHEN r.source IS NULL THEN 'missing'
                WHEN NOT r.any_usable THEN 'rejected'
                WHEN r.late THEN 'late'
                ELSE 'received' END AS status
         , coalesce(r.files, 0) AS files
         , coalesce(c.rows, 0) AS rows
    FROM stg_expected AS e
    FULL JOIN received AS r USING (source, dataset)
    LEFT JOIN row_counts AS c
      ON c.source = coalesce(e.source, r.source) AND c.dataset = coalesce(e.dataset, r.dataset)
)

SELECT * FROM final ORDER BY source, dataset;
