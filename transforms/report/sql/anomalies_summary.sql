-- Per check: series judged, findings, and series without verdict (too little history).
WITH final AS (
    SELECT "check", sum(checked) AS checked, sum(findings) AS findings
         , sum(no_verdict) AS no_verdict
    FROM dq.plausibility_summary
    WHERE run_date = $run_date
    GROUP BY ALL
)

SELECT * FROM final ORDER BY "check";
