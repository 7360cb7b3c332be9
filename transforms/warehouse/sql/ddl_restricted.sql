-- The engineers' file (attached as `rs`): raw rows and the quarantine, with personal data.
-- Both grow with history, so they are views over Parquet segments (transforms/segments.py):
-- these are their empty typed base tables, tombstones and the segment manifest.
CREATE SCHEMA IF NOT EXISTS rs.raw;
CREATE SCHEMA IF NOT EXISTS rs.quarantine;
CREATE SCHEMA IF NOT EXISTS rs.store;
CREATE SCHEMA IF NOT EXISTS rs.meta;

CREATE TABLE IF NOT EXISTS rs.store.raw__rows (
    run_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,       -- 1 = first data row of the file
    raw JSON NOT NULL                 -- the row as delivered, with the file's own headers
);

CREATE TABLE IF NOT EXISTS rs.store.quarantine__rows (
    run_id VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    dataset VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    record_key VARCHAR,               -- the dataset's key as delivered, `|`-joined
    rule_id VARCHAR NOT NULL,
    criterion VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    message VARCHAR NOT NULL,         -- Vietnamese | English
    raw JSON NOT NULL
);

-- Segments of raw.rows and quarantine.rows (paths relative to restricted.segments/).
CREATE TABLE IF NOT EXISTS rs.meta.segments (
    table_name VARCHAR NOT NULL,      -- raw.rows, quarantine.rows
    dataset VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,          -- the run that wrote it
    path VARCHAR PRIMARY KEY,         -- <schema>/<dataset>/<run_id>.parquet
    rows BIGINT NOT NULL,
    bytes BIGINT,
    written_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP,             -- no longer read by the view (compaction)
    kind VARCHAR DEFAULT 'rows'       -- rows, or deleted (tombstones: rows that left the view)
);
-- A manifest written before tombstones were segments.
ALTER TABLE rs.meta.segments ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'rows';

-- Which source files each run wrote raw or quarantined rows from (a superset: every file a
-- night finished). A night looks for an earlier delivery of tonight's files here before it
-- reads raw.rows and quarantine.rows for it (int_quarantine), so that, on the usual night
-- with no re-delivery, it does not read the history of either.
CREATE TABLE IF NOT EXISTS rs.meta.source_files (
    run_id VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL
);
