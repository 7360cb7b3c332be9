-- The live facts found tonight count against the up-to-date score of the night that found
-- them (QUALITY.md): each is one more record failing `up_to_date`, in its province's and
-- its database's scorecards; the overall score and the rating follow.
UPDATE wh.progress.province_scorecard AS c
SET up_to_date_pct = greatest(0, c.up_to_date_pct - 100 * f.facts / c.rows_received)
FROM (
    SELECT l.province_code, d.database_id, count(*) AS facts
    FROM wh.dq.live_facts AS l
    JOIN stg_datasets AS d USING (dataset)
    WHERE l.run_date = $run_date AND l.province_code IS NOT NULL
    GROUP BY ALL
) AS f
WHERE c.run_date = $run_date AND c.province_code = f.province_code
  AND c.database_id = f.database_id AND c.rows_received > 0;

UPDATE wh.progress.database_scorecard AS c
SET up_to_date_pct = greatest(0, c.up_to_date_pct - 100 * f.facts / c.rows_received)
FROM (
    SELECT d.database_id, count(*) AS facts
    FROM wh.dq.live_facts AS l
    JOIN stg_datasets AS d USING (dataset)
    WHERE l.run_date = $run_date
    GROUP BY ALL
) AS f
WHERE c.run_date = $run_date AND c.database_id = f.database_id AND c.rows_received > 0;

UPDATE wh.progress.province_scorecard
SET overall_pct = ($w_accurate * accurate_pct + $w_sufficient * sufficient_pct
                   + $w_clean * clean_pct + $w_up_to_date * up_to_date_pct)
                  / ($w_accurate + $w_sufficient + $w_clean + $w_up_to_date)
WHERE run_date = $run_date;

UPDATE wh.progress.database_scorecard
SET overall_pct = ($w_accurate * accurate_pct + $w_sufficient * sufficient_pct
                   + $w_clean * clean_pct + $w_up_to_date * up_to_date_pct)
                  / ($w_accurate + $w_sufficient + $w_clean + $w_up_to_date)
WHERE run_date = $run_date;

UPDATE wh.progress.province_scorecard
SET rating = CASE WHEN overall_pct >= $green THEN 'green'
                  WHEN overall_pct >= $amber THEN 'amber' ELSE 'red' END
WHERE run_date = $run_date;

UPDATE wh.progress.database_scorecard
SET rating = CASE WHEN overall_pct >= $green THEN 'green'
                  WHEN overall_pct >= $amber THEN 'amber' ELSE 'red' END
WHERE run_date = $run_date;
