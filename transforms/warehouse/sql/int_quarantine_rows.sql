-- Rows with an error go to the quarantine (a segment of quarantine.rows), once per rule
-- they failed, with the raw row and the record's key as delivered (`|`-joined): those of
-- one slice of the rows with an error, the files $file_ids between rows $row_from and
-- $row_to (`loading.quarantine_slices`), so that the joins and the sort below hold a
-- bounded number of raw rows whatever the night's size.
-- Identifiers: {dataset}, {key} (its key columns).
WITH rejected AS (
    SELECT s.*, w._raw
    FROM stg_{dataset} AS s
    JOIN stg_raw AS w USING (_file_id, _row)
    JOIN int_outcome AS o USING (_file_id, _row)
    WHERE o.has_error
      AND list_contains($file_ids, o._file_id)
      AND s._row BETWEEN $row_from AND $row_to
      AND w._row BETWEEN $row_from AND $row_to
      AND o._row BETWEEN $row_from AND $row_to
),

keyed AS (
    SELECT _file_id, _row, _raw, concat_ws('|', {key}) AS record_key
    FROM rejected
),

final AS (
    SELECT $run_id AS run_id, $run_date AS run_date, $dataset AS dataset, f.source
         , f.source_file, x._row AS row_number, x.record_key, r.rule_id, r.criterion
         , r.severity, r.description_vi || ' | ' || r.description_en AS message, x._raw AS raw
    FROM keyed AS x
    JOIN stg_files AS f USING (_file_id)
    JOIN stg_failures AS fl
      ON fl.dataset = $dataset AND fl._file_id = x._file_id AND fl._row = x._row
     AND list_contains($file_ids, fl._file_id) AND fl._row BETWEEN $row_from AND $row_to
    JOIN stg_rules AS r ON r.rule_id = fl.rule_id
)

SELECT * FROM final ORDER BY source_file, row_number, rule_id
