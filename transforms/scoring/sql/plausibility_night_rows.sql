-- The staged rows of the dataset, with their file's source and province, as the rows the
-- night's aggregates read: a view that plausibility_stats reads once, or a table when
-- plausibility_night_rows_earlier adds the rows of a source's earlier files of the night.
-- Identifiers: {kind} (view or table), {dataset}; {columns}, _file_id and the columns the
-- aggregates read (none for a dataset that has only the rows metric).
CREATE OR REPLACE TEMP {kind} night_rows AS
WITH final AS (
    SELECT f.source, f.province_code AS _file_province, s.* EXCLUDE (_file_id)
    FROM (SELECT {columns} FROM stg_{dataset}) AS s
    JOIN stg_files AS f USING (_file_id)
)

SELECT * FROM final;
