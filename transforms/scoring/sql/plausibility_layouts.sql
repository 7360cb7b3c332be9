-- Tonight's file layouts and, per source × dataset, those of its previous delivery (the latest
-- earlier night that delivered the dataset).
WITH tonight AS (
    SELECT source_file, source, dataset, columns, fingerprint, header_row, sheet_name, sheet_index
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
         , l.header_row, l.sheet_name, l.sheet_index
    FROM wh.dq.file_layouts AS l
    JOIN previous_night AS p USING (source, dataset, run_date)
),

final AS (
    SELECT t.source_file, t.source, t.dataset, t.columns, t.fingerprint
         , t.header_row, t.sheet_name, t.sheet_index
         , p.source_file AS previous_source_file, p.columns AS previous_columns
         , p.fingerprint AS previous_fingerprint, p.header_row AS previous_header_row
         , p.sheet_name AS previous_sheet_name, p.sheet_index AS previous_sheet_index
    FROM tonight AS t
    LEFT JOIN previous AS p USING (source, dataset)
)

SELECT * FROM final ORDER BY source_file, previous_source_file;
