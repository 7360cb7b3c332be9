-- The raw rows of the dataset being finished, as the view `stg_raw` over the bundles' raw
-- files ($paths): they become tonight's segments of raw.rows as they are, and the view
-- gives the quarantine its raw rows. A view takes no parameter, so the file list is a
-- variable that the view reads when it is queried.
SET VARIABLE stg_raw_paths = $paths;

CREATE OR REPLACE TEMP VIEW stg_raw AS
WITH raw_rows AS (
    SELECT source_file, dataset, row_number, raw
    FROM read_parquet(getvariable('stg_raw_paths'))
),

final AS (
    SELECT f._file_id, r.row_number AS _row, r.raw AS _raw
    FROM raw_rows AS r
    JOIN stg_files AS f USING (source_file, dataset)
)

SELECT * FROM final;
