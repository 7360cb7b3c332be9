-- Duplicate keys within a file and across the files of the night: every occurrence after
-- the first (in delivery order) fails; a row with part of its key missing is not compared.
-- Identifiers: {dataset}, {key} (its key columns). $key: the same names, as a list.
INSERT INTO stg_failures (dataset, _file_id, _row, rule_id)
WITH staged AS (
    SELECT _file_id, _row, {key}
    FROM stg_{dataset}
    WHERE COLUMNS($key) IS NOT NULL    -- one condition per key column, joined by AND
),

keyed AS (
    SELECT _file_id, _row
         , row_number() OVER (PARTITION BY {key} ORDER BY _file_id, _row) AS occurrence
    FROM staged
),

final AS (
    SELECT $dataset AS dataset, _file_id, _row, $rule_id AS rule_id
    FROM keyed
    WHERE occurrence > 1
)

SELECT * FROM final
