-- dq.rules: the registry's rules as this run knows them (replaces the earlier list).
DELETE FROM wh.dq.rules;

INSERT INTO wh.dq.rules BY NAME
SELECT * FROM stg_rules;
