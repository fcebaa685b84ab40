-- Types from the raw extract; rows that fail are routed by the rejects rules.
SELECT TRY_CAST(order_id AS BIGINT) AS order_id,
       TRY_CAST(amount AS DOUBLE) AS amount,
       CAST(created_at AS TIMESTAMP) AS created_at,
       CAST(created_at AS DATE) AS date
FROM raw
ORDER BY order_id NULLS LAST, created_at
