-- One row per alarm state change.
SELECT
  id AS alarm_event_id,
  json_extract_scalar(detail, '$.alarm_name') AS alarm_name,
  json_extract_scalar(detail, '$.state') AS state,
  json_extract_scalar(detail, '$.previous_state') AS previous_state,
  json_extract_scalar(detail, '$.severity') AS severity,
  json_extract_scalar(detail, '$.service') AS service,
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
    WHERE detail_type = 'alarm.triggered' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt BETWEEN {{from}} AND {{to}}
  ) AS copies
  WHERE nth_copy = 1
) AS e
