-- One row per booking leg status change, with the leg's snapshot at that moment.
SELECT
  id AS change_id,
  json_extract_scalar(detail, '$.booking_id') AS booking_id,
  json_extract_scalar(detail, '$.leg_id') AS leg_id,
  json_extract_scalar(detail, '$.status') AS status,
  json_extract_scalar(detail, '$.previous_status') AS previous_status,
  json_extract_scalar(detail, '$.cancelled_by') AS cancelled_by,
  json_extract_scalar(detail, '$.user_id') AS user_id,
  json_extract_scalar(detail, '$.seller_id') AS seller_id,
  json_extract_scalar(detail, '$.service_id') AS service_id,
  json_extract_scalar(detail, '$.city_id') AS city_id,
  CAST(json_extract_scalar(detail, '$.amount') AS DECIMAL(12, 2)) AS amount,
  CAST(json_extract_scalar(detail, '$.fee_amount') AS DECIMAL(12, 2)) AS fee_amount,
  json_extract_scalar(detail, '$.currency') AS currency,
  from_iso8601_timestamp(json_extract_scalar(detail, '$.scheduled_for')) AS scheduled_for,
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
    WHERE detail_type = 'booking.leg.status_changed' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt BETWEEN {{from}} AND {{to}}
  ) AS copies
  WHERE nth_copy = 1
) AS e
