-- One row per charge against a campaign budget.
SELECT
  json_extract_scalar(detail, '$.charge_id') AS charge_id,
  json_extract_scalar(detail, '$.campaign_id') AS campaign_id,
  CAST(json_extract_scalar(detail, '$.amount') AS DECIMAL(12, 2)) AS amount,
  json_extract_scalar(detail, '$.currency') AS currency,
  from_iso8601_timestamp(time) AS occurred_at,
  dt
FROM (
  -- An event delivered twice (same id, same content) counts once.
  SELECT DISTINCT id, time, detail, dt
  FROM bronze.events
  WHERE detail_type = 'promotion.charged'
    AND dt BETWEEN {{from}} AND {{to}}
) AS e
