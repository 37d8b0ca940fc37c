-- One row per review of a completed leg.
SELECT
  json_extract_scalar(detail, '$.review_id') AS review_id,
  json_extract_scalar(detail, '$.booking_id') AS booking_id,
  json_extract_scalar(detail, '$.leg_id') AS leg_id,
  json_extract_scalar(detail, '$.user_id') AS user_id,
  json_extract_scalar(detail, '$.seller_id') AS seller_id,
  json_extract_scalar(detail, '$.service_id') AS service_id,
  json_extract_scalar(detail, '$.city_id') AS city_id,
  CAST(json_extract_scalar(detail, '$.rating') AS INTEGER) AS rating,
  from_iso8601_timestamp(time) AS occurred_at,
  dt
FROM (
  -- An event delivered twice (same id, same content) counts once.
  SELECT DISTINCT id, time, detail, dt
  FROM bronze.events
  WHERE detail_type = 'review.submitted'
    AND dt BETWEEN {{from}} AND {{to}}
) AS e
