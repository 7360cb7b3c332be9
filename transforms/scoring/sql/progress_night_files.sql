-- The files of a night as they stand after every run of that night: the latest record per
-- landing file, with what its content contributed (a duplicate points at the load it repeats).
CREATE OR REPLACE TEMP TABLE int_night_files AS
WITH latest AS (
    SELECT *
    FROM wh.meta.files
    WHERE run_date = $run_date
    -- A claims package is one record per dataset it delivers.
    QUALIFY row_number() OVER (PARTITION BY source_file, dataset ORDER BY processed_at DESC) = 1
),

final AS (
    SELECT l.*, l.status IN ('loaded', 'duplicate') AS usable
         , coalesce(l.duplicate_of, l.source_file) AS stats_file
    FROM latest AS l
)

SELECT * FROM final;

CREATE OR REPLACE TEMP TABLE int_night_stats AS
SELECT n.source_current AS source, n.dataset, s.*
FROM int_night_files AS n
JOIN wh.dq.file_stats AS s
  ON s.sha256 = n.sha256 AND s.source_file = n.stats_file AND s.dataset = n.dataset
WHERE n.usable;
