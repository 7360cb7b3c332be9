-- Trends, targets and the quarantine loop (issue 5). Columns are added, never renamed, so
-- every statement that fills these tables names its columns (INSERT ... BY NAME).
ALTER TABLE wh.progress.database_scorecard ADD COLUMN IF NOT EXISTS delta_1d DOUBLE;
ALTER TABLE wh.progress.database_scorecard ADD COLUMN IF NOT EXISTS delta_7d DOUBLE;
ALTER TABLE wh.progress.database_scorecard ADD COLUMN IF NOT EXISTS delta_30d DOUBLE;
ALTER TABLE wh.progress.province_scorecard ADD COLUMN IF NOT EXISTS delta_1d DOUBLE;
ALTER TABLE wh.progress.province_scorecard ADD COLUMN IF NOT EXISTS delta_7d DOUBLE;
ALTER TABLE wh.progress.province_scorecard ADD COLUMN IF NOT EXISTS delta_30d DOUBLE;

-- When a quarantined record later loads cleanly: rs.store.quarantine__rows__resolved,
-- joined into the view quarantine.rows as resolved_at, resolved_by_run, resolved_on
-- (created with the view, transforms/segments.py).

-- The targets in force (transforms/scoring/targets.csv, package data), replaced every night.
CREATE TABLE IF NOT EXISTS wh.progress.targets (
    metric VARCHAR NOT NULL,          -- overall_pct, cost_reduction_pct, integration_rate_pct ...
    subject VARCHAR NOT NULL,         -- a database_id, tthc, all; `*` = every subject
    green DOUBLE NOT NULL,            -- rating green at or above
    amber DOUBLE NOT NULL,            -- rating amber at or above, else red
    target DOUBLE NOT NULL,           -- met at or above
    target_high DOUBLE,               -- upper end of a target band (cost reduction 30–36.5 %)
    deadline DATE,                    -- by when the target must be met
    description_vi VARCHAR,
    description_en VARCHAR
);

-- Per run date × metric × subject: the value against its target.
CREATE TABLE IF NOT EXISTS wh.progress.target_status (
    run_date DATE NOT NULL,
    metric VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    value DOUBLE,                     -- NULL when there is nothing to measure
    target DOUBLE NOT NULL,
    target_high DOUBLE,
    deadline DATE,
    days_left INTEGER,                -- to the deadline; negative once passed
    met BOOLEAN,
    on_track BOOLEAN,                 -- met, or the 7-night trend reaches the target by the deadline
    rating VARCHAR NOT NULL,          -- green, amber, red, no_data
    band_status VARCHAR               -- below, within, above a target band
);

-- Per run date × province (or moh) × database: quarantined records not yet loaded cleanly.
CREATE TABLE IF NOT EXISTS wh.progress.open_quarantine (
    run_date DATE NOT NULL,
    province_code VARCHAR NOT NULL,   -- NN of source pNN, or moh
    database_id VARCHAR NOT NULL,
    open_rows BIGINT NOT NULL,        -- distinct records (dataset + key) still open
    resolved_rows BIGINT NOT NULL,    -- records quarantined before and since loaded cleanly
    oldest_open_since DATE,           -- run date of the oldest open quarantine
    oldest_open_days INTEGER          -- run_date − oldest_open_since
);
