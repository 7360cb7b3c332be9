-- The engineers' file (attached as `rs`): raw rows and the quarantine, with personal data.
CREATE SCHEMA IF NOT EXISTS rs.raw;
CREATE SCHEMA IF NOT EXISTS rs.quarantine;

CREATE TABLE IF NOT EXISTS rs.raw.rows (
    run_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,       -- 1 = first data row of the file
    raw JSON NOT NULL                 -- the row as delivered, with the file's own headers
);

CREATE TABLE IF NOT EXISTS rs.quarantine.rows (
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
