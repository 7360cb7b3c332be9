-- A value must exist in another dataset's current records (warehouse, tonight included:
-- referenced datasets load first), read through the night's view seg_core__{ref_dataset}
-- (transforms.warehouse.segments.night_view: the same rows, without the published view's
-- guard). Identifiers: {dataset}, {column}, {ref_dataset}, {ref_column}.
INSERT INTO stg_failures (dataset, _file_id, _row, rule_id)
WITH referenced AS (
    SELECT DISTINCT {ref_column} AS value FROM seg_core__{ref_dataset}
),

final AS (
    SELECT $dataset AS dataset, s._file_id, s._row, $rule_id AS rule_id
    FROM stg_{dataset} AS s
    ANTI JOIN referenced AS r ON r.value = s.{column}
    WHERE s.{column} IS NOT NULL
)

SELECT * FROM final
