-- Plausibility over time (QUALITY.md; issue 17). The checks read the compact per-night
-- aggregates of dq.night_stats and dq.file_layouts, never the raw history.
CREATE TABLE IF NOT EXISTS wh.dq.night_stats (
    run_date DATE NOT NULL,
    run_id VARCHAR NOT NULL,          -- the run that staged the rows
    source VARCHAR NOT NULL,          -- moh or pNN (current code)
    province_code VARCHAR,            -- a provincial source's province; for indicators, the row's
    dataset VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,          -- rows, median:<column>, share:<column>=<value>, count:<indicator>
    value DOUBLE,
    n BIGINT,                         -- rows behind the value (the column's non-empty cells)
    median_se DOUBLE                  -- median: metrics, the median's standard error
);
-- A warehouse made before the night's median carried its standard error.
ALTER TABLE wh.dq.night_stats ADD COLUMN IF NOT EXISTS median_se DOUBLE;

-- The column set of each file as delivered (its own headers, in order).
CREATE TABLE IF NOT EXISTS wh.dq.file_layouts (
    run_date DATE NOT NULL,
    run_id VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    columns VARCHAR[] NOT NULL,
    fingerprint VARCHAR NOT NULL,     -- md5 of the headers joined in order
    header_row INTEGER,               -- 1-based row of the header (csv, xlsx)
    sheet_name VARCHAR,               -- xlsx: the data sheet's name and 0-based position
    sheet_index INTEGER
);
-- A warehouse made before the layouts kept where the table was found.
ALTER TABLE wh.dq.file_layouts ADD COLUMN IF NOT EXISTS header_row INTEGER;
ALTER TABLE wh.dq.file_layouts ADD COLUMN IF NOT EXISTS sheet_name VARCHAR;
ALTER TABLE wh.dq.file_layouts ADD COLUMN IF NOT EXISTS sheet_index INTEGER;

CREATE TABLE IF NOT EXISTS wh.dq.schema_changes (
    run_id VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    source_file VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    change VARCHAR NOT NULL,          -- column_added, column_missing, column_renamed, columns_moved,
                                      -- header_moved, sheet_changed
    detail VARCHAR NOT NULL,          -- Vietnamese | English
    previous_source_file VARCHAR      -- the delivery it is compared with
);

CREATE TABLE IF NOT EXISTS wh.dq.anomalies (
    run_date DATE NOT NULL,
    province_code VARCHAR,
    source VARCHAR,                   -- moh or pNN; NULL for a per-province check
    dataset VARCHAR NOT NULL,
    "check" VARCHAR NOT NULL,         -- volume, value, distribution, indicator_pair, over_time
    metric VARCHAR NOT NULL,
    value DOUBLE,                     -- tonight's value
    expected DOUBLE,                  -- the baseline's (median, share, mean...)
    low DOUBLE,                       -- the band a plausible value lies in
    high DOUBLE,
    score DOUBLE NOT NULL,            -- significance: |z|-like, the threshold is the band's edge
    severity VARCHAR NOT NULL,        -- high (score twice the threshold or more), medium
    message_vi VARCHAR NOT NULL,
    message_en VARCHAR NOT NULL,
    history_nights INTEGER            -- nights in the baseline
);

-- How many checks each night made, found something, or could not judge (too little history).
CREATE TABLE IF NOT EXISTS wh.dq.plausibility_summary (
    run_date DATE NOT NULL,
    "check" VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    checked BIGINT NOT NULL,          -- series judged
    findings BIGINT NOT NULL,
    no_verdict BIGINT NOT NULL        -- series not judged: fewer nights of history than required
);

CREATE TABLE IF NOT EXISTS wh.dq.live_facts (
    run_date DATE NOT NULL,
    dataset VARCHAR NOT NULL,
    record_key VARCHAR NOT NULL,      -- the record's key columns joined with |
    province_code VARCHAR,
    rule_id VARCHAR NOT NULL,
    fact VARCHAR NOT NULL             -- e.g. the death notice, Vietnamese | English
);
