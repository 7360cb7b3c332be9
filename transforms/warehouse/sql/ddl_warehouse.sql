-- The analysts' warehouse (attached as `wh`). Core views are created per dataset from the registry.
CREATE SCHEMA IF NOT EXISTS wh.core;
CREATE SCHEMA IF NOT EXISTS wh.meta;
CREATE SCHEMA IF NOT EXISTS wh.dq;
CREATE SCHEMA IF NOT EXISTS wh.progress;
CREATE SCHEMA IF NOT EXISTS wh.store;

-- Segments of the core views (paths relative to warehouse.segments/): see transforms/segments.py.
CREATE TABLE IF NOT EXISTS wh.meta.segments (
    table_name VARCHAR NOT NULL,      -- core.<dataset>
    dataset VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,          -- the run that wrote it
    path VARCHAR PRIMARY KEY,         -- core/<dataset>/<run_id>.parquet
    rows BIGINT NOT NULL,
    bytes BIGINT,
    written_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP,             -- no longer read by the view (compaction)
    kind VARCHAR DEFAULT 'rows'       -- rows, or deleted (tombstones: rows that left the view)
);
-- A manifest written before tombstones were segments.
ALTER TABLE wh.meta.segments ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'rows';

CREATE TABLE IF NOT EXISTS wh.meta.runs (
    run_id VARCHAR PRIMARY KEY,
    run_date DATE NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,          -- running, succeeded, failed
    error VARCHAR,
    sources VARCHAR[],                -- the subset asked for; NULL = all
    datasets VARCHAR[],
    files_seen INTEGER,
    rows_in BIGINT,
    rows_loaded BIGINT,
    rows_quarantined BIGINT
);

CREATE TABLE IF NOT EXISTS wh.meta.files (
    run_id VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    processed_at TIMESTAMP NOT NULL,
    source_file VARCHAR NOT NULL,     -- relative to the landing root
    source VARCHAR,                   -- as delivered: moh or pNN (a pre-2025 code stays visible here)
    source_current VARCHAR,           -- moh or pNN with the current province code
    province_code VARCHAR,            -- current province of a provincial source
    dataset VARCHAR,
    part VARCHAR,
    format VARCHAR,
    sha256 VARCHAR,
    bytes BIGINT,
    modified_at TIMESTAMP,            -- local time the file was last written
    late BOOLEAN,
    status VARCHAR NOT NULL,          -- loaded, rejected, duplicate
    rows_in BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    error VARCHAR,                    -- one clear reason, Vietnamese | English
    error_code VARCHAR,
    duplicate_of VARCHAR,             -- source_file whose identical content was loaded before
    notes VARCHAR                     -- layout drift and mappings worth knowing
);

CREATE TABLE IF NOT EXISTS wh.dq.rules (
    rule_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    database_id VARCHAR NOT NULL,
    criterion VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,            -- row (pandera), unique or reference (SQL)
    columns VARCHAR[],
    description_vi VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS wh.dq.rule_results (
    run_id VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    dataset VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    criterion VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    rows_checked BIGINT NOT NULL,
    rows_failed BIGINT NOT NULL
);

-- What a processed file contributed, by content: the scores of a night are built from these,
-- so re-running a night (where every file is a duplicate) gives the same scores.
CREATE TABLE IF NOT EXISTS wh.dq.file_stats (
    sha256 VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    province_code VARCHAR,            -- the province the rows count for
    rows_in BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_failed_accurate BIGINT NOT NULL,
    rows_failed_sufficient BIGINT NOT NULL,
    rows_failed_clean BIGINT NOT NULL,
    rows_failed_up_to_date BIGINT NOT NULL,
    required_cells BIGINT NOT NULL,
    required_filled BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS wh.dq.file_rule_stats (
    sha256 VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    rows_failed BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS wh.progress.database_scorecard (
    run_date DATE NOT NULL,
    database_id VARCHAR NOT NULL,
    database_name_vi VARCHAR,
    database_name_en VARCHAR,
    rows_received BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    accurate_pct DOUBLE NOT NULL,
    sufficient_pct DOUBLE NOT NULL,
    clean_pct DOUBLE NOT NULL,
    up_to_date_pct DOUBLE NOT NULL,
    overall_pct DOUBLE NOT NULL,
    rating VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS wh.progress.province_scorecard (
    run_date DATE NOT NULL,
    province_code VARCHAR NOT NULL,
    province_name VARCHAR,
    database_id VARCHAR NOT NULL,
    rows_received BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    accurate_pct DOUBLE NOT NULL,
    sufficient_pct DOUBLE NOT NULL,
    clean_pct DOUBLE NOT NULL,
    up_to_date_pct DOUBLE NOT NULL,
    overall_pct DOUBLE NOT NULL,
    rating VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS wh.progress.submissions (
    run_date DATE NOT NULL,
    source VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    expected BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,          -- received, late, missing, rejected
    files INTEGER NOT NULL,
    rows BIGINT NOT NULL
);

-- Procedures progress (QUALITY.md), one row per run date, from the current catalogue (built
-- by the procedures dataset's own progress SQL); the cost target band is configuration.
CREATE TABLE IF NOT EXISTS wh.progress.procedures_summary (
    run_date DATE NOT NULL,
    total BIGINT NOT NULL,
    central BIGINT NOT NULL,
    province_level BIGINT NOT NULL,
    commune_level BIGINT NOT NULL,
    decentralized BIGINT NOT NULL,
    portal_eligible BIGINT NOT NULL,
    portal_integrated BIGINT NOT NULL,
    integration_rate_pct DOUBLE,      -- integrated among eligible; NULL when none eligible
    full_online BIGINT NOT NULL,
    partial_online BIGINT NOT NULL,
    not_online BIGINT NOT NULL,
    standardized BIGINT NOT NULL,     -- decentralised procedures with a common guideline
    standardized_pct DOUBLE,          -- among decentralised procedures
    baseline_cost DECIMAL(18, 2),
    current_cost DECIMAL(18, 2),
    cost_reduction_pct DOUBLE,        -- 100 × (1 − Σ current_cost / Σ baseline_cost)
    cost_target_low_pct DOUBLE,
    cost_target_high_pct DOUBLE,
    cost_target_status VARCHAR        -- below, within, above the target band; NULL without costs
);

-- Per run date × province: the decentralised procedures and what the province reports.
CREATE TABLE IF NOT EXISTS wh.progress.procedures_by_province (
    run_date DATE NOT NULL,
    province_code VARCHAR NOT NULL,
    province_name VARCHAR,
    decentralized BIGINT NOT NULL,    -- decentralised procedures of the catalogue
    reported BIGINT NOT NULL,         -- of those, reported on by the province
    implemented BIGINT NOT NULL,
    implemented_pct DOUBLE,           -- implemented among the decentralised procedures
    full_online BIGINT NOT NULL,
    partial_online BIGINT NOT NULL,
    portal_connected BIGINT NOT NULL,
    files_received BIGINT NOT NULL,
    files_online BIGINT NOT NULL
);
