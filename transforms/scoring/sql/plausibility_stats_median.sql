-- The night's median of a numeric column per source, and its standard error from its own
-- order statistics: half the distance between the values ranked n/2 − √n/2 and n/2 + √n/2
-- (the median's rank wobbles by √n/2 from night to night). A column of few distinct values
-- whose median sits between two of them has a wide one; it may land on either.
-- Reads night_rows. Identifiers: {column}.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged AS (
    SELECT s.source, s._file_province AS province_code, s.{column}::DOUBLE AS v
    FROM night_rows AS s
    WHERE s.{column} IS NOT NULL
),

ranked AS (
    SELECT source, province_code, v
         , row_number() OVER (PARTITION BY source ORDER BY v) AS r
         , count(*) OVER (PARTITION BY source) AS k
    FROM staged
),

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, any_value(province_code) AS province_code
         , $dataset AS dataset, $metric AS metric, median(v) AS value, count(v) AS n
         , (max(v) FILTER (WHERE r <= least(k, ceil(k / 2 + sqrt(k) / 2)))
            - min(v) FILTER (WHERE r >= greatest(1, floor(k / 2 - sqrt(k) / 2)))) / 2 AS median_se
    FROM ranked
    GROUP BY source
    HAVING count(v) > 0
)

SELECT * FROM final;
