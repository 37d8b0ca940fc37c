-- One row per charge against a campaign budget.
SELECT
  json_extract_scalar(detail, '$.charge_id') AS charge_id,
  json_extract_scalar(detail, '$.campaign_id') AS campaign_id,
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
    WHERE detail_type = 'promotion.charged' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt BETWEEN {{from}} AND {{to}}
  ) AS copies
  WHERE nth_copy = 1
) AS e
