-- Sampled API requests; each stands for 1/sample_rate requests.
SELECT
  json_extract_scalar(detail, '$.request_id') AS request_id,
  json_extract_scalar(detail, '$.route') AS route,
  json_extract_scalar(detail, '$.method') AS method,
  CAST(json_extract_scalar(detail, '$.status_code') AS INTEGER) AS status_code,
  CAST(json_extract_scalar(detail, '$.latency_ms') AS DOUBLE) AS latency_ms,
  CAST(json_extract_scalar(detail, '$.sample_rate') AS DOUBLE) AS sample_rate,
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
    WHERE detail_type = 'api.request.sampled' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt BETWEEN {{from}} AND {{to}}
  ) AS copies
  WHERE nth_copy = 1
) AS e
