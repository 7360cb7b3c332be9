-- What was staged for a dataset is no longer needed once it is finished: free it for the
-- next one. Identifiers: {dataset}.
DELETE FROM stg_{dataset};
DELETE FROM stg_failures;
