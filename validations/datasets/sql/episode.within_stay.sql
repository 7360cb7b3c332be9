-- <line dataset>.ordered_at.within_stay, for both line datasets of a claims episode
-- (visit_drugs, visit_services: `{dataset}`): the line was ordered before its visit's
-- admission or after its discharge (visits load first; a visit quarantined tonight is not
-- in core and its lines fail parent_quarantined instead). Times compare to the minute, as
-- the claims format writes them.
-- Core is read through the night's view (seg_core__visits:
-- transforms.warehouse.segments.night_view), so that only the row groups that can hold
-- tonight's keys are read, whatever the history.
INSERT INTO stg_failures
WITH stays AS (
    SELECT facility_code, visit_id, admitted_at, discharged_at
    FROM seg_core__visits
),

final AS (
    SELECT $dataset AS dataset, s._file_id, s._row, $rule_id AS rule_id
    FROM stg_{dataset} AS s
    JOIN stays AS v USING (facility_code, visit_id)
    WHERE s.ordered_at IS NOT NULL
      AND (s.ordered_at < v.admitted_at OR s.ordered_at > v.discharged_at)
)

SELECT * FROM final
