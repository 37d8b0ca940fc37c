-- One row per search result shown.
SELECT
  json_extract_scalar(detail, '$.impression_id') AS impression_id,
  json_extract_scalar(detail, '$.search_id') AS search_id,
  json_extract_scalar(detail, '$.user_id') AS user_id,
  json_extract_scalar(detail, '$.city_id') AS city_id,
  json_extract_scalar(detail, '$.service_id') AS service_id,
  CAST(json_extract_scalar(detail, '$.position') AS INTEGER) AS position,
  json_extract_scalar(detail, '$.is_promoted') = 'true' AS is_promoted,
  from_iso8601_timestamp(time) AS occurred_at,
  dt
FROM (
  -- An event delivered twice (same id, same content) counts once.
  SELECT DISTINCT id, time, detail, dt
  FROM bronze.events
  WHERE detail_type = 'search.impression'
    AND dt BETWEEN {{from}} AND {{to}}
) AS e
