-- No raw rows for the dataset being finished: `stg_raw` is empty.
CREATE OR REPLACE TEMP VIEW stg_raw AS
SELECT NULL::INTEGER AS _file_id, NULL::BIGINT AS _row, NULL::JSON AS _raw
LIMIT 0;
