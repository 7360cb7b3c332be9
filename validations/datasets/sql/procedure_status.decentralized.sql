-- procedure_status.procedure_code.decentralized (error): a province reports on a procedure
-- the catalogue (wh.core.procedures, loaded first) keeps at the central level. A code that
-- is not in the catalogue at all fails procedure_status.procedure_code.exists instead.
INSERT INTO stg_failures
WITH central AS (
    SELECT procedure_code
    FROM wh.core.procedures
    WHERE NOT decentralized
),

final AS (
    SELECT $dataset AS dataset, s._file_id, s._row, $rule_id AS rule_id
    FROM stg_procedure_status AS s
    SEMI JOIN central AS c ON c.procedure_code = s.procedure_code
)

SELECT * FROM final
