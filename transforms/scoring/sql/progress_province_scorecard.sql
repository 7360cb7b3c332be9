-- One row per province × database that the provinces deliver, every night: a province is
-- scored only on the datasets it delivers itself (stg_datasets.delivered_by, from the
-- registry). A database fed only by the ministry's national registries (facilities,
-- devices, ...) has no row, it is not applicable to a province; a database fed by both
-- (duoc: the drug register from moh, prescriptions from provinces) is scored on the
-- provincial datasets alone. Provincial files count for their source province.
DELETE FROM wh.progress.province_scorecard WHERE run_date = $run_date;

INSERT INTO wh.progress.province_scorecard BY NAME
WITH stats AS (
    SELECT d.database_id, s.*
    FROM int_night_stats AS s
    JOIN stg_datasets AS d USING (dataset)
    WHERE s.province_code IS NOT NULL AND d.delivered_by = 'province'
),

grid AS (
    SELECT p.code AS province_code, p.name AS province_name, d.database_id, d.dataset
    FROM stg_provinces AS p
    CROSS JOIN stg_datasets AS d
    JOIN stg_databases AS db USING (database_id)
    WHERE db.scored AND d.delivered_by = 'province'
),

per_dataset AS (
    SELECT g.province_code, g.province_name, g.database_id, g.dataset
         , coalesce(sum(s.required_filled) / nullif(sum(s.required_cells), 0), 0) AS filled_share
    FROM grid AS g
    LEFT JOIN stats AS s USING (province_code, database_id, dataset)
    GROUP BY ALL
),

sufficiency AS (
    -- ordered: a sum of doubles depends on its order, and the rows come in the order the
    -- night's datasets finished (a figure must not change with the runner)
    SELECT province_code, province_name, database_id
         , 100 * avg(filled_share ORDER BY dataset) AS sufficient_pct
    FROM per_dataset
    GROUP BY ALL
),

counts AS (
    SELECT province_code, database_id
         , sum(rows_in) AS received, sum(rows_loaded) AS accepted
         , sum(rows_quarantined) AS quarantined
         , sum(rows_failed_accurate) AS failed_accurate
         , sum(rows_failed_clean) AS failed_clean
         , sum(rows_failed_up_to_date) AS failed_up_to_date
    FROM stats
    GROUP BY ALL
),

scored AS (
    SELECT s.province_code, s.province_name, s.database_id
         , coalesce(c.received, 0) AS rows_received
         , coalesce(c.accepted, 0) AS rows_accepted
         , coalesce(c.quarantined, 0) AS rows_quarantined
         , coalesce(100 * (c.received - c.failed_accurate) / nullif(c.received, 0), 0) AS accurate_pct
         , s.sufficient_pct
         , coalesce(100 * (c.received - c.failed_clean) / nullif(c.received, 0), 0) AS clean_pct
         , coalesce(100 * (c.received - c.failed_up_to_date) / nullif(c.received, 0), 0)
               AS up_to_date_pct
    FROM sufficiency AS s
    LEFT JOIN counts AS c USING (province_code, database_id)
),

final AS (
    SELECT $run_date AS run_date, province_code, province_name, database_id
         , rows_received, rows_accepted, rows_quarantined
         , accurate_pct, sufficient_pct, clean_pct, up_to_date_pct
         , ($w_accurate * accurate_pct + $w_sufficient * sufficient_pct
            + $w_clean * clean_pct + $w_up_to_date * up_to_date_pct)
           / ($w_accurate + $w_sufficient + $w_clean + $w_up_to_date) AS overall_pct
    FROM scored
)

SELECT *, CASE WHEN overall_pct >= $green THEN 'green'
               WHEN overall_pct >= $amber THEN 'amber' ELSE 'red' END AS rating
FROM final
ORDER BY province_code, database_id;
