-- Per-run scratch tables (main catalog of the run's work file, never published).
CREATE TABLE stg_files (
    _file_id INTEGER PRIMARY KEY,
    source_file VARCHAR NOT NULL,
    source VARCHAR NOT NULL,          -- current source code (moh or pNN)
    province_code VARCHAR,
    dataset VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    header_row INTEGER,               -- 1-based row of the file's header (csv, xlsx)
    sheet_name VARCHAR,               -- xlsx: the data sheet's name and 0-based position
    sheet_index INTEGER
);
-- The failed rules of the dataset being finished (emptied after each).
CREATE TEMP TABLE stg_failures (
    dataset VARCHAR NOT NULL,
    _file_id INTEGER NOT NULL,
    _row BIGINT NOT NULL,
    rule_id VARCHAR NOT NULL
);
CREATE TABLE stg_rules (
    rule_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    database_id VARCHAR NOT NULL,
    criterion VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    columns VARCHAR[],
    description_vi VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL
);
CREATE TABLE stg_key (ipad BLOB NOT NULL, opad BLOB NOT NULL);
CREATE TABLE stg_provinces (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE stg_databases (
    database_id VARCHAR PRIMARY KEY, name_vi VARCHAR, name_en VARCHAR, scored BOOLEAN
);
CREATE TABLE stg_datasets (
    dataset VARCHAR PRIMARY KEY, database_id VARCHAR NOT NULL,
    delivered_by VARCHAR NOT NULL  -- moh or province (validations.registry.delivered_by)
);
-- Every (source, dataset) delivery expected each night.
CREATE TABLE stg_expected (source VARCHAR, dataset VARCHAR, province_code VARCHAR);
