-- Load a dataset's accepted rows into core: per key the newest updated_at wins, and on
-- equal stamps the later delivery. Identifiers: {dataset}, {key}, {key_join}, {columns},
-- {select_columns} (pseudonymised or withheld where the registry says so).
CREATE OR REPLACE TEMP TABLE int_tonight AS
WITH accepted AS (
    SELECT s.*, coalesce(o.warnings, []) AS _warnings, f.source_file
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
    LEFT JOIN int_outcome AS o USING (_file_id, _row)
    WHERE NOT coalesce(o.has_error, false)
),

final AS (
    SELECT *
    FROM accepted
    QUALIFY row_number() OVER (
        PARTITION BY {key} ORDER BY updated_at DESC, _file_id DESC, _row DESC) = 1
)

SELECT * FROM final;

-- A file delivered again (same landing path, new content: a corrected re-delivery, or a
-- re-run of that night) replaces exactly what its earlier version contributed.
DELETE FROM wh.core.{dataset}
WHERE _source_file IN (SELECT source_file FROM stg_files WHERE dataset = $dataset);

DELETE FROM wh.core.{dataset} AS c
USING int_tonight AS t
WHERE {key_join} AND c.updated_at <= t.updated_at;

INSERT INTO wh.core.{dataset} ({columns}, _source_file, _source_row, _run_id, _loaded_at, _warnings)
SELECT {select_columns}, t.source_file, t._row, $run_id, $loaded_at, t._warnings
FROM int_tonight AS t
CROSS JOIN stg_key AS k
WHERE NOT EXISTS (SELECT 1 FROM wh.core.{dataset} AS c WHERE {key_join});
