-- One row per database every night; a database with nothing received scores 0.
DELETE FROM wh.progress.database_scorecard WHERE run_date = $run_date;

INSERT INTO wh.progress.database_scorecard BY NAME
WITH stats AS (
    SELECT d.database_id, s.*
    FROM int_night_stats AS s
    JOIN stg_datasets AS d USING (dataset)
),

deliveries AS (
    SELECT source, dataset, sum(required_filled) AS filled, sum(required_cells) AS cells
    FROM stats
    GROUP BY ALL
),

sufficiency AS (
    SELECT d.database_id
         -- ordered: the same figure whatever order the rows come in
         , 100 * avg(coalesce(x.filled / nullif(x.cells, 0), 0) ORDER BY e.source, dataset)
           AS sufficient_pct
    FROM stg_expected AS e
    JOIN stg_datasets AS d USING (dataset)
    LEFT JOIN deliveries AS x USING (source, dataset)
    GROUP BY ALL
),

counts AS (
    SELECT database_id
         , sum(rows_in) AS received, sum(rows_loaded) AS accepted
         , sum(rows_quarantined) AS quarantined
         , sum(rows_failed_accurate) AS failed_accurate
         , sum(rows_failed_clean) AS failed_clean
         , sum(rows_failed_up_to_date) AS failed_up_to_date
    FROM stats
    GROUP BY ALL
),

scored AS (
    SELECT db.database_id, db.name_vi, db.name_en
         , coalesce(c.received, 0) AS rows_received
         , coalesce(c.accepted, 0) AS rows_accepted
         , coalesce(c.quarantined, 0) AS rows_quarantined
         , coalesce(100 * (c.received - c.failed_accurate) / nullif(c.received, 0), 0) AS accurate_pct
         , coalesce(s.sufficient_pct, 0) AS sufficient_pct
         , coalesce(100 * (c.received - c.failed_clean) / nullif(c.received, 0), 0) AS clean_pct
         , coalesce(100 * (c.received - c.failed_up_to_date) / nullif(c.received, 0), 0)
               AS up_to_date_pct
    FROM stg_databases AS db
    LEFT JOIN counts AS c USING (database_id)
    LEFT JOIN sufficiency AS s USING (database_id)
    WHERE db.scored
),

final AS (
    SELECT $run_date AS run_date, database_id, name_vi AS database_name_vi
         , name_en AS database_name_en, rows_received, rows_accepted, rows_quarantined
         , accurate_pct, sufficient_pct, clean_pct, up_to_date_pct
         , ($w_accurate * accurate_pct + $w_sufficient * sufficient_pct
            + $w_clean * clean_pct + $w_up_to_date * up_to_date_pct)
           / ($w_accurate + $w_sufficient + $w_clean + $w_up_to_date) AS overall_pct
    FROM scored
)

SELECT *, CASE WHEN overall_pct >= $green THEN 'green'
               WHEN overall_pct >= $amber THEN 'amber' ELSE 'red' END AS rating
FROM final
ORDER BY database_id;
