-- <line dataset>.visit_id.in_package, for both line datasets of a claims episode
-- (visit_drugs, visit_services: `{dataset}`): an orphan line. In a claims package, its HOSO
-- holds no XML1 row of its MA_LK (`has_visit` false, as the reader found it). Delivered
-- without a package (`has_visit` empty: a line file alone), its episode (facility_code +
-- visit_id) is in no visit of the warehouse nor of tonight (visits load first: tonight's
-- loaded visits are in core, its quarantined ones in quarantine.rows, whose record_key
-- is the visit's key as staged).
-- Core and tonight's quarantine are read through the night's views (seg_core__visits,
-- seg_quarantine__rows__tonight: transforms.warehouse.segments.night_view and
-- defer_refresh), so that only the row groups that can hold tonight's keys are read,
-- whatever the history.
INSERT INTO stg_failures
WITH visits AS (
    SELECT facility_code, visit_id
    FROM seg_core__visits
),

quarantined AS (
    SELECT DISTINCT record_key
    FROM seg_quarantine__rows__tonight
    WHERE run_id = $run_id AND dataset = 'visits'
),

lines AS (
    SELECT s._file_id, s._row, s.has_visit, s.facility_code, s.visit_id
         , concat_ws('|', s.facility_code, s.visit_id) AS record_key
    FROM stg_{dataset} AS s
),

in_package AS (
    SELECT _file_id, _row
    FROM lines
    WHERE has_visit = false
),

alone AS (
    SELECT l._file_id, l._row
    FROM lines AS l
    WHERE l.has_visit IS NULL
      AND l.facility_code IS NOT NULL
      AND l.visit_id IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM visits AS v
          WHERE v.facility_code = l.facility_code AND v.visit_id = l.visit_id
      )
      AND l.record_key NOT IN (SELECT record_key FROM quarantined)
),

final AS (
    SELECT $dataset AS dataset, _file_id, _row, $rule_id AS rule_id
    FROM (SELECT * FROM in_package UNION ALL SELECT * FROM alone)
)

SELECT * FROM final
