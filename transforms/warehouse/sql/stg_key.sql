-- The run's pseudonym key, as HMAC's inner and outer pads (never stored in a published file).
DELETE FROM stg_key;

INSERT INTO stg_key (ipad, opad)
VALUES ($ipad, $opad);
