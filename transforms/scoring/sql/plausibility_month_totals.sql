-- Rows per province × dataset from day 1 to the run date's day of its month, in that month
-- of this year and of the previous years back to $since (consistency over time).
WITH nights AS (
    SELECT run_date, province_code, dataset, value
    FROM wh.dq.night_stats
    WHERE metric = 'rows' AND province_code IS NOT NULL
      AND run_date BETWEEN $since AND $run_date
      AND month(run_date) = $month AND day(run_date) <= $day
),

final AS (
    SELECT year(run_date) AS year, province_code, dataset
         , sum(value) AS total, count(DISTINCT run_date) AS nights
    FROM nights
    GROUP BY ALL
)

SELECT * FROM final;
