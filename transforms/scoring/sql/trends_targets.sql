-- The targets of the night's configuration (the frame registered as `targets_in`)
-- replace the table's rows.
DELETE FROM wh.progress.targets;

INSERT INTO wh.progress.targets BY NAME
SELECT * FROM targets_in;
