-- An indicator that counts every row, per source and province (a provincial file's
-- province, else the row's). Reads night_rows. Identifiers: {province}; {a} and {b} are unused.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT s.source, coalesce(s._file_province, s.{province}::VARCHAR) AS province_code
    FROM night_rows AS s
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, province_code
         , $dataset AS dataset, $metric AS metric, count(*)::DOUBLE AS value, count(*) AS n
    FROM staged
    WHERE province_code IS NOT NULL
    GROUP BY source, province_code
)

SELECT * FROM final;
