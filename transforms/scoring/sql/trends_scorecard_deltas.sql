-- Change of overall_pct against the night before and 7 and 30 nights before (NULL where that
-- night is not in the table). Tonight's rows and the later rows that compare with tonight.
UPDATE wh.progress.database_scorecard AS t
SET delta_1d = d.delta_1d, delta_7d = d.delta_7d, delta_30d = d.delta_30d
FROM (
    SELECT c.run_date, c.database_id
         , c.overall_pct - p1.overall_pct AS delta_1d
         , c.overall_pct - p7.overall_pct AS delta_7d
         , c.overall_pct - p30.overall_pct AS delta_30d
    FROM wh.progress.database_scorecard AS c
    LEFT JOIN wh.progress.database_scorecard AS p1
      ON p1.database_id = c.database_id AND p1.run_date = c.run_date - 1
    LEFT JOIN wh.progress.database_scorecard AS p7
      ON p7.database_id = c.database_id AND p7.run_date = c.run_date - 7
    LEFT JOIN wh.progress.database_scorecard AS p30
      ON p30.database_id = c.database_id AND p30.run_date = c.run_date - 30
    WHERE c.run_date IN ($run_date, $run_date + 1, $run_date + 7, $run_date + 30)
) AS d
WHERE t.run_date = d.run_date AND t.database_id = d.database_id;

UPDATE wh.progress.province_scorecard AS t
SET delta_1d = d.delta_1d, delta_7d = d.delta_7d, delta_30d = d.delta_30d
FROM (
    SELECT c.run_date, c.province_code, c.database_id
         , c.overall_pct - p1.overall_pct AS delta_1d
         , c.overall_pct - p7.overall_pct AS delta_7d
         , c.overall_pct - p30.overall_pct AS delta_30d
    FROM wh.progress.province_scorecard AS c
    LEFT JOIN wh.progress.province_scorecard AS p1
      ON p1.province_code = c.province_code AND p1.database_id = c.database_id
     AND p1.run_date = c.run_date - 1
    LEFT JOIN wh.progress.province_scorecard AS p7
      ON p7.province_code = c.province_code AND p7.database_id = c.database_id
     AND p7.run_date = c.run_date - 7
    LEFT JOIN wh.progress.province_scorecard AS p30
      ON p30.province_code = c.province_code AND p30.database_id = c.database_id
     AND p30.run_date = c.run_date - 30
    WHERE c.run_date IN ($run_date, $run_date + 1, $run_date + 7, $run_date + 30)
) AS d
WHERE t.run_date = d.run_date AND t.province_code = d.province_code
  AND t.database_id = d.database_id;
