-- One row per seller document status change.
SELECT
  id AS change_id,
  json_extract_scalar(detail, '$.doc_id') AS doc_id,
  json_extract_scalar(detail, '$.seller_id') AS seller_id,
  json_extract_scalar(detail, '$.studio_id') AS studio_id,
  json_extract_scalar(detail, '$.kind') AS kind,
  json_extract_scalar(detail, '$.status') AS status,
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
    WHERE detail_type = 'doc.status_changed' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt BETWEEN {{from}} AND {{to}}
  ) AS copies
  WHERE nth_copy = 1
) AS e
