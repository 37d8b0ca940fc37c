-- One row per message sent in a booking thread (its length, never its text).
SELECT
  json_extract_scalar(detail, '$.message_id') AS message_id,
  json_extract_scalar(detail, '$.thread_id') AS thread_id,
  json_extract_scalar(detail, '$.booking_id') AS booking_id,
  json_extract_scalar(detail, '$.sender_id') AS sender_id,
  json_extract_scalar(detail, '$.recipient_id') AS recipient_id,
  json_extract_scalar(detail, '$.sender_role') AS sender_role,
  json_extract_scalar(detail, '$.city_id') AS city_id,
  CAST(json_extract_scalar(detail, '$.body_length') AS INTEGER) AS body_length,
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
    WHERE detail_type = 'message.sent' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt BETWEEN {{from}} AND {{to}}
  ) AS copies
  WHERE nth_copy = 1
) AS e
