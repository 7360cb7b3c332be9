-- What each of tonight's files of a dataset contributed, per province the rows count for:
-- provincial files count for their source province, ministry rows for the row's province.
-- Identifiers: {dataset}, {province} (the row's province column, or `_no_province` for a
-- dataset without one). $required_count: the number of required columns.
INSERT INTO wh.dq.file_stats BY NAME
WITH staged AS (
    SELECT *, NULL::VARCHAR AS _no_province
    FROM stg_{dataset}
),

rows_out AS (
    SELECT s._file_id
         , coalesce(f.province_code,
                    CASE WHEN s.{province} IN (SELECT code FROM stg_provinces)
                         THEN s.{province} END) AS province_code
         , coalesce(o.has_error, false) AS quarantined
         , coalesce(o.failed_accurate, false) AS failed_accurate
         , coalesce(o.failed_sufficient, false) AS failed_sufficient
         , coalesce(o.failed_clean, false) AS failed_clean
         , coalesce(o.failed_up_to_date, false) AS failed_up_to_date
         , s._required_filled
    FROM staged AS s
    JOIN stg_files AS f USING (_file_id)
    LEFT JOIN int_outcome AS o USING (_file_id, _row)
),

final AS (
    SELECT f.sha256, f.source_file, $dataset AS dataset, r.province_code
         , count(*) AS rows_in
         , count(*) FILTER (WHERE NOT quarantined) AS rows_loaded
         , count(*) FILTER (WHERE quarantined) AS rows_quarantined
         , count(*) FILTER (WHERE failed_accurate) AS rows_failed_accurate
         , count(*) FILTER (WHERE failed_sufficient) AS rows_failed_sufficient
         , count(*) FILTER (WHERE failed_clean) AS rows_failed_clean
         , count(*) FILTER (WHERE failed_up_to_date) AS rows_failed_up_to_date
         , count(*) * $required_count AS required_cells
         , sum(_required_filled) AS required_filled
    FROM rows_out AS r
    JOIN stg_files AS f USING (_file_id)
    GROUP BY ALL
)

SELECT * FROM final;

INSERT INTO wh.dq.file_rule_stats (sha256, source_file, rule_id, rows_failed)
SELECT f.sha256, f.source_file, fl.rule_id, count(DISTINCT fl._row) AS rows_failed
FROM stg_failures AS fl
JOIN stg_files AS f USING (_file_id)
WHERE fl.dataset = $dataset
GROUP BY ALL;
