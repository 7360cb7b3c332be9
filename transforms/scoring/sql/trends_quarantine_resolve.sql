-- A quarantined record is resolved when the same key of the dataset is in core, loaded by a
-- run that started after the run that quarantined it. Quarantine segments are immutable, so
-- a resolution is a row of its own, joined into the view quarantine.rows.
-- Read through the night's views (transforms.warehouse.segments.night_view): the filter on
-- the dataset skips the other datasets' quarantine segments. Identifiers: {dataset}, {key}
-- (its key columns).
INSERT INTO rs.store.quarantine__rows__resolved BY NAME
WITH open_rows AS (
    SELECT DISTINCT q.run_id, q.source_file, q.row_number, q.record_key
         , quarantined_by.started_at
    FROM seg_quarantine__rows AS q
    JOIN wh.meta.runs AS quarantined_by ON quarantined_by.run_id = q.run_id
    WHERE q.dataset = $dataset AND q.resolved_at IS NULL
),

core_keys AS (
    SELECT concat_ws('|', {key}) AS record_key, _loaded_at, _run_id
    FROM seg_core__{dataset}
),

loaded AS (
    SELECT c.record_key, c._loaded_at AS loaded_at, c._run_id AS run_id
         , coalesce(m.run_date, $run_date) AS run_date
    FROM core_keys AS c
    LEFT JOIN wh.meta.runs AS m ON m.run_id = c._run_id
),

final AS (
    SELECT q.run_id, q.source_file, q.row_number
         , min(r.loaded_at) AS resolved_at
         , min_by(r.run_id, r.loaded_at) AS resolved_by_run
         , min_by(r.run_date, r.loaded_at) AS resolved_on
    FROM open_rows AS q
    JOIN loaded AS r ON r.record_key = q.record_key AND r.loaded_at > q.started_at
    GROUP BY q.run_id, q.source_file, q.row_number
)

SELECT * FROM final;
