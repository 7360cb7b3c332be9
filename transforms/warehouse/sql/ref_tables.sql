-- The reference tables analysts join names onto codes with (CONTRACT.md §3), rebuilt every
-- night from the code lists and the registry, registered as the frames ref_provinces,
-- ref_communes, ref_databases and ref_datasets; ref.rules from this night's dq.rules.
CREATE SCHEMA IF NOT EXISTS wh.ref;

CREATE OR REPLACE TABLE wh.ref.provinces AS
WITH imported AS (
    SELECT * FROM ref_provinces
)
SELECT
    province_code::VARCHAR AS province_code,
    name_vi::VARCHAR AS name_vi,
    name_en::VARCHAR AS name_en
FROM imported
ORDER BY province_code;

CREATE OR REPLACE TABLE wh.ref.communes AS
WITH imported AS (
    SELECT * FROM ref_communes
)
SELECT
    commune_code::VARCHAR AS commune_code,
    name_vi::VARCHAR AS name_vi,
    name_en::VARCHAR AS name_en,
    province_code::VARCHAR AS province_code
FROM imported
ORDER BY commune_code;

CREATE OR REPLACE TABLE wh.ref.databases AS
WITH imported AS (
    SELECT * FROM ref_databases
)
SELECT
    database_id::VARCHAR AS database_id,
    name_vi::VARCHAR AS name_vi,
    name_en::VARCHAR AS name_en,
    counts_in_scorecard::BOOLEAN AS counts_in_scorecard
FROM imported;

CREATE OR REPLACE TABLE wh.ref.datasets AS
WITH imported AS (
    SELECT * FROM ref_datasets
)
SELECT
    dataset::VARCHAR AS dataset,
    database_id::VARCHAR AS database_id,
    delivered_by::VARCHAR AS delivered_by,
    string_split(record_key, ',')::VARCHAR[] AS record_key,
    description_vi::VARCHAR AS description_vi,
    description_en::VARCHAR AS description_en
FROM imported
ORDER BY dataset;

CREATE OR REPLACE TABLE wh.ref.rules AS
WITH rules AS (
    SELECT * FROM wh.dq.rules
),

named AS (
    SELECT
        rule_id,
        dataset,
        database_id,
        criterion,
        CASE criterion
            WHEN 'accurate' THEN 'Đúng'
            WHEN 'sufficient' THEN 'Đủ'
            WHEN 'clean' THEN 'Sạch'
            WHEN 'up_to_date' THEN 'Sống'
        END AS criterion_vi,
        severity,
        CASE severity WHEN 'error' THEN 'Lỗi' WHEN 'warning' THEN 'Cảnh báo' END AS severity_vi,
        description_vi,
        description_en
    FROM rules
)

SELECT * FROM named
ORDER BY rule_id;
