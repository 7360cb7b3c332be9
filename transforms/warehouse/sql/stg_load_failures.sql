-- The failed row rules of a dataset's staged rows (the bundles' failures files, $paths).
-- Identifiers: {dataset} (unused: the files name their dataset).
INSERT INTO stg_failures BY NAME
SELECT * FROM read_parquet($paths)
