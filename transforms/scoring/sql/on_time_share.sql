-- The night's expected submissions, and how many of them arrived on time (`received`:
-- usable and before the delivery cutoff), from the night's build (the warehouse as `wh`).
WITH expected AS (
    SELECT status
    FROM wh.progress.submissions
    WHERE run_date = $run_date AND expected
),

final AS (
    SELECT count(*) FILTER (WHERE status = 'received') AS on_time
         , count(*) AS expected
    FROM expected
)

SELECT on_time, expected FROM final;
