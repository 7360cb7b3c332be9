-- Per source × dataset × rule of a night: rows that failed the rule (errors and warnings),
-- from what the night's files contributed.
WITH latest AS (
    SELECT *
    FROM meta.files
    WHERE run_date = $run_date AND status IN ('loaded', 'duplicate')
    -- A claims package is one record per dataset it delivers.
    QUALIFY row_number() OVER (PARTITION BY source_file, dataset ORDER BY processed_at DESC) = 1
),

failed AS (
    SELECT l.source_current AS source, l.dataset, f.rule_id, sum(f.rows_failed) AS rows_failed
    FROM latest AS l
    JOIN dq.file_rule_stats AS f
      ON f.sha256 = l.sha256 AND f.source_file = coalesce(l.duplicate_of, l.source_file)
     AND f.rule_id LIKE l.dataset || '.%'
    GROUP BY ALL
),

final AS (
    SELECT x.source, x.dataset, x.rule_id, r.criterion, r.severity
         , r.description_vi, r.description_en, x.rows_failed
    FROM failed AS x
    LEFT JOIN dq.rules AS r USING (rule_id)
    WHERE x.rows_failed > 0
)

SELECT * FROM final ORDER BY source, dataset, severity, rows_failed DESC, rule_id;
