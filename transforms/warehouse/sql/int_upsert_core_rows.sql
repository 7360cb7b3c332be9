-- Tonight's rows of core.{dataset}, written as a segment: the winners whose key has no newer
-- current record (the current records are those of the view minus int_deleted: tonight's
-- tombstones are written beside this segment, and the view refreshed after both). The view
-- is read through the night's seg_core__{dataset} (segments.night_view).
-- Identifiers: {dataset}, {key} (its key columns), {select_columns} (the stage-to-core
-- select of transforms/warehouse/schema.py: personal ids pseudonymised, withheld columns
-- NULL, each named as its column).
WITH current_rows AS (
    SELECT c.*
    FROM seg_core__{dataset} AS c
    ANTI JOIN int_deleted AS d
        ON d._run_id = c._run_id AND d._source_file = c._source_file
        AND d._source_row = c._source_row
),

winners AS (
    SELECT t.*
    FROM int_tonight AS t
    ANTI JOIN current_rows AS c USING ({key})
),

final AS (
    SELECT {select_columns}, t.source_file AS _source_file, t._row AS _source_row
         , $run_id AS _run_id, $loaded_at AS _loaded_at, t._warnings AS _warnings
    FROM winners AS t
    CROSS JOIN stg_key AS k
)

SELECT * FROM final
