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
  -- One row per event id: EventBridge delivers at least once and producers retry, so Bronze
  -- (append-only) may hold an id more than once, even re-stamped; the earliest copy is kept.
  SELECT id, time, detail, dt
  FROM (
    SELECT id, time, detail, dt,
      row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
    FROM bronze.events
    WHERE detail_type = 'search.impression' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt BETWEEN {{from}} AND {{to}}
  ) AS copies
  WHERE nth_copy = 1
) AS e
