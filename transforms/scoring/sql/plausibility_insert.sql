-- A frame of findings (registered as `findings`) into its table. Identifiers: {table}.
INSERT INTO wh.dq.{table} BY NAME
SELECT * FROM findings
