-- Promoted-slot impressions, clicks and invalid clicks.
SELECT
  json_extract_scalar(detail, '$.promo_event_id') AS promo_event_id,
  json_extract_scalar(detail, '$.campaign_id') AS campaign_id,
  json_extract_scalar(detail, '$.service_id') AS service_id,
  json_extract_scalar(detail, '$.user_id') AS user_id,
  json_extract_scalar(detail, '$.city_id') AS city_id,
  json_extract_scalar(detail, '$.kind') AS kind,
  from_iso8601_timestamp(time) AS occurred_at,
  dt
FROM (
  -- An event delivered twice (same id, same content) counts once.
  SELECT DISTINCT id, time, detail, dt
  FROM bronze.events
  WHERE detail_type = 'promotion.interaction'
    AND dt BETWEEN {{from}} AND {{to}}
) AS e
