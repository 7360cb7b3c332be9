-- Per night × dataset × source × rule: rows checked and rows failed, for every registered
-- rule of the datasets the night's files hold (a rule that never failed shows 0), as the night
-- stands after every run of it (replacing the night's rows, so that a re-run adds nothing);
-- `run_id` is the run that last recorded a file of that source and dataset.
DELETE FROM wh.dq.rule_results WHERE run_date = $run_date;

INSERT INTO wh.dq.rule_results BY NAME
WITH run_files AS (
    SELECT source_current AS source, dataset, sha256, stats_file, run_id, processed_at
    FROM int_night_files
    WHERE usable
),

runs AS (
    SELECT source, dataset, arg_max(run_id, processed_at) AS run_id
    FROM run_files
    GROUP BY ALL
),

checked AS (
    SELECT f.source, f.dataset, sum(s.rows_in) AS rows_checked
    FROM run_files AS f
    JOIN wh.dq.file_stats AS s
      ON s.sha256 = f.sha256 AND s.source_file = f.stats_file AND s.dataset = f.dataset
    GROUP BY ALL
),

failed AS (
    SELECT f.source, f.dataset, rs.rule_id, sum(rs.rows_failed) AS rows_failed
    FROM run_files AS f
    JOIN wh.dq.file_rule_stats AS rs ON rs.sha256 = f.sha256 AND rs.source_file = f.stats_file
    GROUP BY ALL
),

final AS (
    SELECT n.run_id, $run_date AS run_date, c.dataset, c.source, r.rule_id
         , r.criterion, r.severity, c.rows_checked, coalesce(x.rows_failed, 0) AS rows_failed
    FROM checked AS c
    JOIN runs AS n USING (source, dataset)
    JOIN stg_rules AS r USING (dataset)
    LEFT JOIN failed AS x USING (source, dataset, rule_id)
)

SELECT * FROM final ORDER BY dataset, source, rule_id;
