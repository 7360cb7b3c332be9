-- Per failing row of a dataset: is it quarantined, which warnings, which criteria failed.
CREATE OR REPLACE TEMP TABLE int_outcome AS
WITH failures AS (
    SELECT f._file_id, f._row, f.rule_id, r.criterion, r.severity
    FROM stg_failures AS f
    JOIN stg_rules AS r USING (rule_id)
    WHERE f.dataset = $dataset
),

final AS (
    SELECT _file_id
         , _row
         , bool_or(severity = 'error') AS has_error
         , coalesce(list_sort(list(DISTINCT rule_id) FILTER (WHERE severity = 'warning')), [])
               AS warnings
         , bool_or(criterion = 'accurate') AS failed_accurate
         , bool_or(criterion = 'sufficient') AS failed_sufficient
         , bool_or(criterion = 'clean') AS failed_clean
         , bool_or(criterion = 'up_to_date') AS failed_up_to_date
    FROM failures
    GROUP BY _file_id, _row
)

SELECT * FROM final
