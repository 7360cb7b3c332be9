-- Duplicate keys within a file and across the files of the night: every occurrence after
-- the first (in delivery order) fails. Identifiers: {dataset}, {key} (from the registry).
INSERT INTO stg_failures
WITH keyed AS (
    SELECT _file_id, _row
         , row_number() OVER (PARTITION BY {key} ORDER BY _file_id, _row) AS occurrence
    FROM stg_{dataset}
    WHERE {key_present}
),

final AS (
    SELECT $dataset AS dataset, _file_id, _row, $rule_id AS rule_id
    FROM keyed
    WHERE occurrence > 1
)

SELECT * FROM final
