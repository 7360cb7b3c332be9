-- A value must exist in another dataset's current records (warehouse, tonight included:
-- referenced datasets load first). Identifiers: {dataset}, {column}, {ref_dataset}, {ref_column}.
INSERT INTO stg_failures (dataset, _file_id, _row, rule_id)
WITH referenced AS (
    SELECT DISTINCT {ref_column} AS value FROM wh.core.{ref_dataset}
),

final AS (
    SELECT $dataset AS dataset, s._file_id, s._row, $rule_id AS rule_id
    FROM stg_{dataset} AS s
    ANTI JOIN referenced AS r ON r.value = s.{column}
    WHERE s.{column} IS NOT NULL
)

SELECT * FROM final
