-- <line dataset>.visit_id.parent_quarantined, for both line datasets of a claims episode
-- (visit_drugs, visit_services: `{dataset}`): the line's visit, delivered in the same file
-- (the claims package), was quarantined tonight for an error (visits load first), so core
-- never holds a line without its visit. The quarantine's record_key is the visit's key as
-- staged; a key also loaded from the file tonight (a duplicate quarantined, its first copy
-- loaded) keeps its lines.
-- Core and tonight's quarantine are read through the night's views (seg_core__visits,
-- seg_quarantine__rows__tonight: transforms.warehouse.segments.night_view and
-- defer_refresh), so that only the row groups that can hold tonight's keys are read,
-- whatever the history.
INSERT INTO stg_failures
WITH quarantined AS (
    SELECT DISTINCT source_file, record_key
    FROM seg_quarantine__rows__tonight
    WHERE run_id = $run_id AND dataset = 'visits' AND severity = 'error'
),

loaded AS (
    SELECT _source_file AS source_file, concat_ws('|', facility_code, visit_id) AS record_key
    FROM seg_core__visits
    WHERE _run_id = $run_id
),

lines AS (
    SELECT s._file_id, s._row, f.source_file
         , concat_ws('|', s.facility_code, s.visit_id) AS record_key
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
    WHERE s.facility_code IS NOT NULL AND s.visit_id IS NOT NULL
),

final AS (
    SELECT $dataset AS dataset, l._file_id, l._row, $rule_id AS rule_id
    FROM lines AS l
    JOIN quarantined AS q USING (source_file, record_key)
    ANTI JOIN loaded AS k USING (source_file, record_key)
)

SELECT * FROM final
