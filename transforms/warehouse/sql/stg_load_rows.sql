-- A dataset's staged rows (the bundles' rows files, $paths) into its scratch table.
-- Identifiers: {dataset}.
INSERT INTO stg_{dataset} BY NAME
SELECT * FROM read_parquet($paths)
