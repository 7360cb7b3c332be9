-- Tonight's aggregates of the dataset being finished, in one statement: per source, the rows
-- received (the staged files' rows, and those the source's earlier files of the night
-- received, from meta.files: a partial re-run with new files); over the night's rows
-- (night_rows), the median of each numeric column and duration with its standard error, the
-- share of each value of each categorical column, and the indicator counts per province.
--
-- A median's standard error comes from its own order statistics: half the distance between
-- the values ranked n/2 − √n/2 and n/2 + √n/2 (the median's rank wobbles by √n/2 from night
-- to night); a column of few distinct values whose median sits between two of them has a
-- wide one. The median and those two values are picked by their ranks: a window over the
-- sorted values, which DuckDB spills to disk when a night is large (median() and a list of
-- every value it cannot spill: at 8M visit rows they outgrow the connection's memory
-- limit). A duration is in days between two time columns; a negative one is left out. A
-- share's n is the source's rows with a value. An indicator counts the rows whose columns
-- hold its values, per source and province (a provincial file's province, else the row's);
-- a source none of whose rows carries the columns did not deliver them: no count (an
-- optional column, e.g. visits' treatment_result, is not a zero).
--
-- Identifiers: {dataset}. Expressions built from checked names (plausibility._stats_columns):
-- {numbers}, each numeric value of a row (NULL: none) named by its metric (`median:<name>`);
-- {categories}, each categorical value as text named by its column; {indicators}, for each
-- indicator a struct (hit, delivered) named by its metric (`count:<name>`); {province}, the
-- row's province column as text (NULL: none). A dataset without one kind gives a NULL one.
INSERT INTO wh.dq.night_stats BY NAME
WITH staged_counts AS (
    SELECT f.source, f.province_code, count(*) AS k
    FROM stg_{dataset} AS s
    JOIN stg_files AS f USING (_file_id)
    GROUP BY ALL
),

earlier_counts AS (
    SELECT source_current AS source, province_code, rows_in AS k
    FROM wh.meta.files
    WHERE run_date = $run_date AND dataset = $dataset AND status = 'loaded'
      AND source_current IN (SELECT source FROM stg_files WHERE dataset = $dataset)
      AND source_file NOT IN (SELECT source_file FROM stg_files)
),

night AS MATERIALIZED (
    SELECT source, _file_province AS province_code
         , coalesce(_file_province, {province}) AS indicator_province
         , {numbers}, {categories}, {indicators}
    FROM night_rows
),

numbers AS (
    UNPIVOT (SELECT source, province_code, COLUMNS('^median:') FROM night)
    ON COLUMNS('^median:') INTO NAME metric VALUE v
),

categories AS (
    UNPIVOT (SELECT source, province_code, COLUMNS('^share:') FROM night)
    ON COLUMNS('^share:') INTO NAME metric VALUE v
),

indicators AS (
    UNPIVOT (SELECT source, indicator_province AS province_code, COLUMNS('^count:') FROM night)
    ON COLUMNS('^count:') INTO NAME metric VALUE v
),

-- logic

received AS (
    SELECT * FROM staged_counts
    UNION ALL
    SELECT * FROM earlier_counts
),

rows_metric AS (
    SELECT source, any_value(province_code) AS province_code, 'rows' AS metric
         , sum(k)::DOUBLE AS value, sum(k) AS n, NULL::DOUBLE AS median_se
    FROM received
    GROUP BY source
),

ranked_numbers AS (
    SELECT source, province_code, metric, v
         , row_number() OVER (PARTITION BY source, metric ORDER BY v) AS r
         , count(*) OVER (PARTITION BY source, metric) AS k
    FROM numbers
),

order_statistics AS (
    SELECT *
    FROM (
        SELECT *
             , (k + 1) // 2 AS r_middle_low, k // 2 + 1 AS r_middle_high
             , greatest(1, floor(k / 2 - sqrt(k) / 2))::BIGINT AS r_se_low
             , least(k, ceil(k / 2 + sqrt(k) / 2))::BIGINT AS r_se_high
        FROM ranked_numbers
    )
    WHERE r IN (r_middle_low, r_middle_high, r_se_low, r_se_high)
),

medians AS (
    SELECT source, any_value(province_code) AS province_code, metric
         , quantile_cont(v, 0.5) FILTER (WHERE r IN (r_middle_low, r_middle_high)) AS value
         , any_value(k) AS n
         , (any_value(v) FILTER (WHERE r = r_se_high)
            - any_value(v) FILTER (WHERE r = r_se_low)) / 2 AS median_se
    FROM order_statistics
    GROUP BY source, metric
),

category_counts AS (
    SELECT source, any_value(province_code) AS province_code, metric, v, count(*) AS k
    FROM categories
    GROUP BY source, metric, v
),

shares AS (
    SELECT source, province_code, metric || '=' || v AS metric
         , k / sum(k) OVER (PARTITION BY source, metric) AS value
         , sum(k) OVER (PARTITION BY source, metric) AS n, NULL::DOUBLE AS median_se
    FROM category_counts
),

counts AS (
    SELECT source, province_code, metric
         , count(*) FILTER (WHERE v.hit)::DOUBLE AS value, count(*) AS n, NULL::DOUBLE AS median_se
    FROM indicators
    WHERE province_code IS NOT NULL
    GROUP BY source, province_code, metric
    HAVING bool_or(v.delivered)
),

-- final

final AS (
    SELECT $run_date AS run_date, $run_id AS run_id, source, province_code
         , $dataset AS dataset, metric, value, n, median_se
    FROM (
        SELECT * FROM rows_metric
        UNION ALL BY NAME
        SELECT * FROM medians
        UNION ALL BY NAME
        SELECT * FROM shares
        UNION ALL BY NAME
        SELECT * FROM counts
    )
)

SELECT * FROM final;
