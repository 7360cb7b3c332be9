-- The night's lines of meta.files (the frame registered as `records`).
INSERT INTO wh.meta.files BY NAME
SELECT * FROM records
