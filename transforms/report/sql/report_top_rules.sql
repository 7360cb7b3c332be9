-- Per dataset × rule of a night: rows that failed the rule and rows checked, from the files
-- as they stand after every run of the night (the latest record per landing file; a
-- duplicate counts what its earlier load counted), with the rule's texts.
WITH latest AS (
    SELECT *
    FROM meta.files
    WHERE run_date = $run_date AND status IN ('loaded', 'duplicate')
    QUALIFY row_number() OVER (PARTITION BY source_file ORDER BY processed_at DESC) = 1
),

checked AS (
    SELECT s.dataset, sum(s.rows_in) AS rows_checked
    FROM latest AS l
    JOIN dq.file_stats AS s
      ON s.sha256 = l.sha256 AND s.source_file = coalesce(l.duplicate_of, l.source_file)
    GROUP BY ALL
),

failed AS (
    SELECT l.dataset, f.rule_id, sum(f.rows_failed) AS rows_failed
    FROM latest AS l
    JOIN dq.file_rule_stats AS f
      ON f.sha256 = l.sha256 AND f.source_file = coalesce(l.duplicate_of, l.source_file)
    GROUP BY ALL
),

final AS (
    SELECT r.database_id, x.dataset, x.rule_id, r.criterion, r.severity
         , r.description_vi, r.description_en, x.rows_failed, c.rows_checked
         , 100 * x.rows_failed / nullif(c.rows_checked, 0) AS failed_pct
    FROM failed AS x
    JOIN dq.rules AS r USING (rule_id)
    LEFT JOIN checked AS c ON c.dataset = x.dataset
    WHERE x.rows_failed > 0
)

SELECT * FROM final ORDER BY database_id, rows_failed DESC, rule_id;
