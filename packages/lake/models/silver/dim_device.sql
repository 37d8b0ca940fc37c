-- Devices users signed in from: the latest user, platform and app version; first and last seen.
SELECT
  device_id,
  max_by(user_id, occurred_at) AS user_id,
  max_by(platform, occurred_at) AS platform,
  max_by(app_version, occurred_at) AS app_version,
  min(occurred_at) AS first_seen_at,
  max(occurred_at) AS last_seen_at
FROM (
  SELECT
    json_extract_scalar(detail, '$.device_id') AS device_id,
    json_extract_scalar(detail, '$.user_id') AS user_id,
    json_extract_scalar(detail, '$.platform') AS platform,
    json_extract_scalar(detail, '$.app_version') AS app_version,
    from_iso8601_timestamp(time) AS occurred_at
  FROM (
    -- One row per event id (EventBridge delivers at least once; the earliest copy is kept), over
    -- every day of Bronze: the dimension is rebuilt whole.
    SELECT id, time, detail
    FROM (
      SELECT id, time, detail,
        row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
      FROM bronze.events
      WHERE detail_type = 'device.seen' AND json_extract_scalar(detail, '$.v') IN ('1')
    ) AS copies
    WHERE nth_copy = 1
  ) AS e
) AS seen
GROUP BY device_id
