-- Every delivered row of the dataset's staged files, as a segment of raw.rows.
SELECT $run_id AS run_id, $dataset AS dataset, f.source_file, w._row AS row_number
     , w._raw AS raw
FROM stg_raw AS w
JOIN stg_files AS f USING (_file_id)
WHERE f.dataset = $dataset
