-- Studios as their latest update says.
SELECT studio_id, seller_id, city_id, name, capacity, verification_status, updated_at
FROM (
  SELECT *, row_number() OVER (PARTITION BY studio_id ORDER BY updated_at DESC, event_id DESC) AS newest
  FROM (
    SELECT
      id AS event_id,
      json_extract_scalar(detail, '$.studio_id') AS studio_id,
      json_extract_scalar(detail, '$.seller_id') AS seller_id,
      json_extract_scalar(detail, '$.city_id') AS city_id,
      json_extract_scalar(detail, '$.name') AS name,
      CAST(json_extract_scalar(detail, '$.capacity') AS INTEGER) AS capacity,
      json_extract_scalar(detail, '$.verification_status') AS verification_status,
      from_iso8601_timestamp(time) AS updated_at
    FROM (
      -- One row per event id (EventBridge delivers at least once; the earliest copy is kept), over
      -- every day of Bronze: the dimension is rebuilt whole.
      SELECT id, time, detail
      FROM (
        SELECT id, time, detail,
          row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
        FROM bronze.events
        WHERE detail_type = 'studio.updated' AND json_extract_scalar(detail, '$.v') IN ('1')
      ) AS copies
      WHERE nth_copy = 1
    ) AS e
  ) AS updates
) AS ranked
WHERE newest = 1
