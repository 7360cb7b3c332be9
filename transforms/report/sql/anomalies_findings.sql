-- The night's plausibility findings, the most significant first.
WITH final AS (
    SELECT province_code, source, dataset, "check", metric, value, expected, low, high
         , score, severity, message_vi, message_en
    FROM dq.anomalies
    WHERE run_date = $run_date
)

SELECT * FROM final ORDER BY score DESC, province_code, dataset;
