-- Each staged file's own headers, in order, from its first raw row (the raw rows keep the
-- file's headers as keys), and where its reader found them (header row, sheet). Identifiers: none; the view stg_raw holds the dataset's raw rows.
INSERT INTO wh.dq.file_layouts BY NAME
WITH first_rows AS (
    SELECT _file_id, json_keys(_raw) AS columns
    FROM stg_raw
    WHERE _row = 1
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, f.source_file, f.source, f.dataset
         , r.columns, md5(array_to_string(r.columns, chr(31))) AS fingerprint
         , f.header_row, f.sheet_name, f.sheet_index
    FROM first_rows AS r
    JOIN stg_files AS f USING (_file_id)
    WHERE f.dataset = $dataset
)

SELECT * FROM final;
