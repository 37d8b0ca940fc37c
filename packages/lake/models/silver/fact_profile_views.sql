-- One row per service profile view.
SELECT
  json_extract_scalar(detail, '$.view_id') AS view_id,
  json_extract_scalar(detail, '$.click_id') AS click_id,
  json_extract_scalar(detail, '$.user_id') AS user_id,
  json_extract_scalar(detail, '$.city_id') AS city_id,
  json_extract_scalar(detail, '$.service_id') AS service_id,
  from_iso8601_timestamp(time) AS occurred_at,
  dt
FROM (
  -- An event delivered twice (same id, same content) counts once.
  SELECT DISTINCT id, time, detail, dt
  FROM bronze.events
  WHERE detail_type = 'profile.viewed'
    AND dt BETWEEN {{from}} AND {{to}}
) AS e
