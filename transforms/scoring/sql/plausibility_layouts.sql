-- Tonight's file layouts and, per source × dataset, those of its previous delivery (the latest
-- earlier night that delivered the dataset).
WITH tonight AS (
    SELECT source_file, source, dataset, columns, fingerprint
    FROM wh.dq.file_layouts
    WHERE run_date = $run_date
),

previous_night AS (
    SELECT l.source, l.dataset, max(l.run_date) AS run_date
    FROM wh.dq.file_layouts AS l
    JOIN (SELECT DISTINCT source, dataset FROM tonight) AS t USING (source, dataset)
    WHERE l.run_date < $run_date
    GROUP BY ALL
),

previous AS (
    SELECT l.source, l.dataset, l.source_file, l.columns, l.fingerprint
    FROM wh.dq.file_layouts AS l
    JOIN previous_night AS p USING (source, dataset, run_date)
),

final AS (
    SELECT t.source_file, t.source, t.dataset, t.columns, t.fingerprint
         , p.source_file AS previous_source_file, p.columns AS previous_columns
         , p.fingerprint AS previous_fingerprint
    FROM tonight AS t
    LEFT JOIN previous AS p USING (source, dataset)
)

SELECT * FROM final ORDER BY source_file, previous_source_file;
