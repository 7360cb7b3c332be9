-- Procedures progress of the night from the current catalogue (QUALITY.md "Procedures
-- progress"): counts by level, decentralisation, portal, online service, standardisation,
-- and the compliance-cost reduction against the configured target band. Computed from the
-- data delivered; re-running a night replaces its row.
DELETE FROM wh.progress.procedures_summary WHERE run_date = $run_date;

INSERT INTO wh.progress.procedures_summary BY NAME
WITH catalogue AS (
    SELECT level, decentralized, portal_eligible, portal_integrated, online_level
         , standardized, baseline_cost, current_cost
    FROM wh.core.procedures
),

counts AS (
    SELECT count(*) AS total
         , count(*) FILTER (WHERE level = 'central') AS central
         , count(*) FILTER (WHERE level = 'province') AS province_level
         , count(*) FILTER (WHERE level = 'commune') AS commune_level
         , count(*) FILTER (WHERE decentralized) AS decentralized
         , count(*) FILTER (WHERE portal_eligible) AS portal_eligible
         , count(*) FILTER (WHERE portal_integrated) AS portal_integrated
         , count(*) FILTER (WHERE online_level = 'full') AS full_online
         , count(*) FILTER (WHERE online_level = 'partial') AS partial_online
         , count(*) FILTER (WHERE online_level = 'none') AS not_online
         , count(*) FILTER (WHERE decentralized AND standardized) AS standardized
         , sum(baseline_cost) FILTER (WHERE current_cost IS NOT NULL) AS baseline_cost
         , sum(current_cost) FILTER (WHERE baseline_cost IS NOT NULL) AS current_cost
    FROM catalogue
),

rates AS (
    SELECT *
         , 100.0 * portal_integrated / nullif(portal_eligible, 0) AS integration_rate_pct
         , 100.0 * standardized / nullif(decentralized, 0) AS standardized_pct
         , 100.0 * (1 - current_cost::DOUBLE / nullif(baseline_cost::DOUBLE, 0))
               AS cost_reduction_pct
    FROM counts
),

final AS (
    SELECT $run_date AS run_date, total, central, province_level, commune_level
         , decentralized, portal_eligible, portal_integrated, integration_rate_pct
         , full_online, partial_online, not_online, standardized, standardized_pct
         , baseline_cost, current_cost, cost_reduction_pct
         , $cost_target_low AS cost_target_low_pct, $cost_target_high AS cost_target_high_pct
         , CASE WHEN cost_reduction_pct IS NULL THEN NULL
                WHEN cost_reduction_pct < $cost_target_low THEN 'below'
                WHEN cost_reduction_pct > $cost_target_high THEN 'above'
                ELSE 'within' END AS cost_target_status
    FROM rates
)

SELECT * FROM final;
