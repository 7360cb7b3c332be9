-- Load a dataset's accepted rows into core: per key the newest updated_at wins, and on
-- equal stamps the later delivery. Core is a view over immutable segments (see
-- transforms/warehouse/segments.py): rows leave it by a tombstone (collected here in
-- int_deleted, written as tonight's tombstone segment), tonight's rows arrive as a new
-- segment (int_upsert_core_rows). Identifiers: {dataset}, {key} (its key columns).
-- Core is read through the night's view seg_core__{dataset} (segments.night_view): the
-- same rows, but the join with tonight's files or keys reaches the Parquet scans, which
-- skip the row groups that cannot hold them, so the reads do not grow with history.
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

CREATE OR REPLACE TEMP TABLE int_deleted AS
SELECT _run_id, _source_file, _source_row
FROM wh.core.{dataset}
WHERE false;

-- A file delivered again (same landing path, new content: a corrected re-delivery, or a
-- re-run of that night) replaces exactly what its earlier version contributed.
INSERT INTO int_deleted (_run_id, _source_file, _source_row)
SELECT _run_id, _source_file, _source_row
FROM seg_core__{dataset}
WHERE _source_file IN (SELECT source_file FROM stg_files WHERE dataset = $dataset);

-- A current record that tonight's winner of its key is at least as new as (tonight has
-- one winner per key, so the join finds at most one; a NULL key part matches nothing).
INSERT INTO int_deleted (_run_id, _source_file, _source_row)
WITH superseded AS (
    SELECT c._run_id, c._source_file, c._source_row
    FROM seg_core__{dataset} AS c
    JOIN int_tonight AS t USING ({key})
    WHERE c.updated_at <= t.updated_at
)

SELECT * FROM superseded;
