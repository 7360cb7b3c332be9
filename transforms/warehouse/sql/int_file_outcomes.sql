-- The row accounting of each of tonight's files of a dataset: rows staged, rows loaded
-- (the others are quarantined). Identifiers: {dataset}.
WITH outcomes AS (
    SELECT s._file_id, coalesce(o.has_error, false) AS quarantined
    FROM stg_{dataset} AS s
    LEFT JOIN int_outcome AS o USING (_file_id, _row)
),

final AS (
    SELECT _file_id, count(*) AS rows_in, count(*) FILTER (WHERE NOT quarantined) AS rows_loaded
    FROM outcomes
    GROUP BY _file_id
)

SELECT * FROM final
