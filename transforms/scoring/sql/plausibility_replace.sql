-- A night's findings replace those of an earlier run of the same night.
DELETE FROM wh.dq.anomalies WHERE run_date = $run_date;
DELETE FROM wh.dq.plausibility_summary WHERE run_date = $run_date;
DELETE FROM wh.dq.schema_changes WHERE run_date = $run_date;
