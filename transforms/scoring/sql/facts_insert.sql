-- A frame of reference facts (registered as `facts`) into its scratch table.
-- Identifiers: {table}.
INSERT INTO {table} BY NAME
SELECT * FROM facts
