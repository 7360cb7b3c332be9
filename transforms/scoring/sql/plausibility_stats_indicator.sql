-- An indicator count per source and province (a provincial file's province, else the row's):
-- rows whose columns {a} and {b} hold $va and $vb (the same column twice for one condition).
-- A source none of whose rows carries the columns did not deliver them: no count (an
-- optional column, e.g. visits' treatment_result, is not a zero).
-- Reads night_rows. Identifiers: {a}, {b}, {province}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT s.source, coalesce(s._file_province, s.{province}::VARCHAR) AS province_code
         , s.{a}::VARCHAR = $va AND s.{b}::VARCHAR = $vb AS hit
         , s.{a} IS NOT NULL AND s.{b} IS NOT NULL AS delivered
    FROM night_rows AS s
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, province_code
         , $dataset AS dataset, $metric AS metric
         , count(*) FILTER (WHERE hit)::DOUBLE AS value, count(*) AS n
    FROM staged
    WHERE province_code IS NOT NULL
    GROUP BY source, province_code
    HAVING bool_or(delivered)
)

SELECT * FROM final;
