-- Every measured metric of the night against its target (a subject's own row, else `*`).
-- On track: met, or still before the deadline and the last 7 nights' pace reaches it.
DELETE FROM wh.progress.target_status WHERE run_date = $run_date;

INSERT INTO wh.progress.target_status BY NAME
WITH tthc AS (
    SELECT * FROM wh.progress.procedures_summary WHERE run_date = $run_date
),

submitted AS (
    SELECT 100.0 * count(*) FILTER (WHERE status = 'received') / nullif(count(*), 0) AS pct
    FROM wh.progress.submissions
    WHERE run_date = $run_date AND expected
),

measured AS (
    SELECT 'overall_pct' AS metric, database_id AS subject, overall_pct AS value
    FROM wh.progress.database_scorecard WHERE run_date = $run_date
    UNION ALL
    SELECT 'cost_reduction_pct', 'tthc', cost_reduction_pct FROM tthc
    UNION ALL
    SELECT 'integration_rate_pct', 'tthc', integration_rate_pct FROM tthc
    UNION ALL
    SELECT 'full_online_pct', 'tthc', 100.0 * full_online / nullif(total, 0) FROM tthc
    UNION ALL
    SELECT 'standardized_pct', 'tthc', standardized_pct FROM tthc
    UNION ALL
    SELECT 'on_time_delivery_pct', 'all', pct FROM submitted
),

targeted AS (
    SELECT m.metric, m.subject, m.value
         , t.green, t.amber, t.target, t.target_high, t.deadline
    FROM measured AS m
    JOIN wh.progress.targets AS t ON t.metric = m.metric AND t.subject IN (m.subject, '*')
    QUALIFY row_number() OVER (PARTITION BY m.metric, m.subject ORDER BY t.subject = '*') = 1
),

week_ago AS (
    SELECT metric, subject, value AS value_7d_ago
    FROM wh.progress.target_status
    WHERE run_date = $run_date - 7
),

final AS (
    SELECT $run_date AS run_date, t.metric, t.subject, t.value, t.target, t.target_high
         , t.deadline
         , date_diff('day', $run_date::DATE, t.deadline)::INTEGER AS days_left
         , t.value >= t.target AS met
         , CASE WHEN t.value IS NULL THEN NULL
                WHEN t.value >= t.target THEN true
                WHEN t.deadline IS NULL OR t.deadline < $run_date THEN false
                WHEN w.value_7d_ago IS NULL OR t.value <= w.value_7d_ago THEN false
                ELSE t.value + (t.value - w.value_7d_ago) / 7.0
                         * date_diff('day', $run_date::DATE, t.deadline) >= t.target
           END AS on_track
         , CASE WHEN t.value IS NULL THEN 'no_data'
                WHEN t.value >= t.green THEN 'green'
                WHEN t.value >= t.amber THEN 'amber' ELSE 'red' END AS rating
         , CASE WHEN t.target_high IS NULL OR t.value IS NULL THEN NULL
                WHEN t.value < t.target THEN 'below'
                WHEN t.value > t.target_high THEN 'above' ELSE 'within' END AS band_status
    FROM targeted AS t
    LEFT JOIN week_ago AS w USING (metric, subject)
)

SELECT * FROM final ORDER BY metric, subject;
