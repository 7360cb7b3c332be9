-- One series of a source's nightly aggregates up to the run date (a finding's chart).
WITH final AS (
    SELECT run_date, value
    FROM dq.night_stats
    WHERE source = $source AND dataset = $dataset AND metric = $metric
      AND run_date BETWEEN $since AND $run_date
)

SELECT * FROM final ORDER BY run_date;
