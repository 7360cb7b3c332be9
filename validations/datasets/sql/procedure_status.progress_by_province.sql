-- Per province: the catalogue's decentralised procedures (current core.procedures) and the
-- province's current reports on them (core.procedure_status). Every province has a row,
-- with zeros when it reported nothing. Re-running a night replaces its rows.
DELETE FROM wh.progress.procedures_by_province WHERE run_date = $run_date;

INSERT INTO wh.progress.procedures_by_province BY NAME
WITH decentralized AS (
    SELECT procedure_code FROM wh.core.procedures WHERE decentralized
),

reports AS (
    SELECT s.*
    FROM wh.core.procedure_status AS s
    SEMI JOIN decentralized AS d USING (procedure_code)
),

per_province AS (
    SELECT province_code
         , count(*) AS reported
         , count(*) FILTER (WHERE implemented) AS implemented
         , count(*) FILTER (WHERE online_level = 'full') AS full_online
         , count(*) FILTER (WHERE online_level = 'partial') AS partial_online
         , count(*) FILTER (WHERE portal_connected) AS portal_connected
         , coalesce(sum(files_received), 0) AS files_received
         , coalesce(sum(files_online), 0) AS files_online
    FROM reports
    GROUP BY ALL
),

final AS (
    SELECT $run_date AS run_date, p.code AS province_code, p.name AS province_name
         , (SELECT count(*) FROM decentralized) AS decentralized
         , coalesce(r.reported, 0) AS reported
         , coalesce(r.implemented, 0) AS implemented
         , 100.0 * coalesce(r.implemented, 0)
               / nullif((SELECT count(*) FROM decentralized), 0) AS implemented_pct
         , coalesce(r.full_online, 0) AS full_online
         , coalesce(r.partial_online, 0) AS partial_online
         , coalesce(r.portal_connected, 0) AS portal_connected
         , coalesce(r.files_received, 0) AS files_received
         , coalesce(r.files_online, 0) AS files_online
    FROM stg_provinces AS p
    LEFT JOIN per_province AS r ON r.province_code = p.code
)

SELECT * FROM final ORDER BY province_code;
