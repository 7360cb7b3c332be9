-- The aggregates the checks read: the trailing window up to and including the night under
-- test (the checks leave that night out of its own baseline).
WITH final AS (
    SELECT run_date, source, province_code, dataset, metric, value, n, median_se
    FROM wh.dq.night_stats
    WHERE run_date BETWEEN $since AND $run_date
)

SELECT * FROM final;
