-- One row per payout status change.
SELECT
  json_extract_scalar(detail, '$.payout_id') AS payout_id,
  json_extract_scalar(detail, '$.status') AS status,
  json_extract_scalar(detail, '$.leg_id') AS leg_id,
  json_extract_scalar(detail, '$.seller_id') AS seller_id,
  json_extract_scalar(detail, '$.city_id') AS city_id,
  CAST(json_extract_scalar(detail, '$.amount') AS DECIMAL(12, 2)) AS amount,
  json_extract_scalar(detail, '$.currency') AS currency,
  from_iso8601_timestamp(time) AS occurred_at,
  dt
FROM (
  -- One row per event id: EventBridge delivers at least once and producers retry, so Bronze
  -- (append-only) may hold an id more than once, even re-stamped; the earliest copy is kept.
  SELECT id, time, detail, dt
  FROM (
    SELECT id, time, detail, dt,
      row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
    FROM bronze.events
    WHERE detail_type = 'payout.status_changed' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt BETWEEN {{from}} AND {{to}}
  ) AS copies
  WHERE nth_copy = 1
) AS e
