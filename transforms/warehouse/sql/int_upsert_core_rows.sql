-- Tonight's rows of core.{dataset}, written as a segment: the winners whose key has no newer
-- current record. Identifiers: {dataset}, {key} (its key columns), {select_columns} (the
-- stage-to-core select of transforms/warehouse/schema.py: personal ids pseudonymised,
-- withheld columns NULL, each named as its column).
WITH winners AS (
    SELECT t.*
    FROM int_tonight AS t
    ANTI JOIN wh.core.{dataset} AS c USING ({key})
),

final AS (
    SELECT {select_columns}, t.source_file AS _source_file, t._row AS _source_row
         , $run_id AS _run_id, $loaded_at AS _loaded_at, t._warnings AS _warnings
    FROM winners AS t
    CROSS JOIN stg_key AS k
)

SELECT * FROM final
