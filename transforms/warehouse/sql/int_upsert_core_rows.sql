-- Tonight's rows of core.{dataset}, written as a segment: the winners whose key has no newer
-- current record. Identifiers: {dataset}, {key_join}, {select_columns} (pseudonymised or
-- withheld where the registry says so, each named as its column).
SELECT {select_columns}, t.source_file AS _source_file, t._row AS _source_row
     , $run_id AS _run_id, $loaded_at AS _loaded_at, t._warnings AS _warnings
FROM int_tonight AS t
CROSS JOIN stg_key AS k
WHERE NOT EXISTS (SELECT 1 FROM wh.core.{dataset} AS c WHERE {key_join})
