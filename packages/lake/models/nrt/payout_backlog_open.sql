-- Carry-over state of nrt.payout_backlog: every payout scheduled and not yet paid or failed at the end of
-- each written hour of the day. It continues from this table's own rows at the end of the hour
-- before the first written one (the carry partition) and reads only the Bronze hours after it, up
-- to the last written one: a refresh after one new hour reads one hour of Bronze, not all history.
-- With no state to continue from, the carry day is '0001-01-01' and all earlier Bronze is read.
-- Bronze is deduplicated by event id, as Silver is; a copy on both sides of the carry hour changes
-- nothing (min / max ignore a duplicate).
WITH carry AS (
  SELECT payout_id, city_id, amount, from_iso8601_timestamp(scheduled_at) AS scheduled_at
  FROM nrt.payout_backlog_open
  WHERE dt = {{carry_dt}} AND hour = {{carry_hour}}
),
events AS (
  SELECT detail, from_iso8601_timestamp(time) AS event_at
  FROM (
    SELECT id, time, detail,
      row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
    FROM bronze.events
    WHERE detail_type = 'payout.status_changed' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt >= {{carry_dt}} AND dt <= {{to}}
      AND (dt > {{carry_dt}} OR hour > {{carry_hour}})
      AND (dt < {{to}} OR hour <= {{last_hour}})
  ) AS copies
  WHERE nth_copy = 1
),
facts AS (
  SELECT payout_id, city_id, amount, scheduled_at, from_iso8601_timestamp(NULL) AS closed_at
  FROM carry
  UNION ALL
  SELECT
    json_extract_scalar(detail, '$.payout_id') AS payout_id,
    json_extract_scalar(detail, '$.city_id') AS city_id,
    CAST(json_extract_scalar(detail, '$.amount') AS DECIMAL(12, 2)) AS amount,
    CASE WHEN json_extract_scalar(detail, '$.status') = 'scheduled' THEN event_at END AS scheduled_at,
    CASE WHEN json_extract_scalar(detail, '$.status') IN ('paid', 'failed') THEN event_at END AS closed_at
  FROM events
),
payouts AS (
  SELECT payout_id, max(city_id) AS city_id, max(amount) AS amount,
    min(scheduled_at) AS scheduled_at, min(closed_at) AS closed_at
  FROM facts
  GROUP BY payout_id
),
hours AS (
  SELECT h.hour, from_iso8601_timestamp({{to}} || 'T' || h.hour || ':00:00Z') + INTERVAL '1' HOUR AS hour_end
  FROM (VALUES ('00'), ('01'), ('02'), ('03'), ('04'), ('05'), ('06'), ('07'), ('08'), ('09'), ('10'), ('11'), ('12'), ('13'), ('14'), ('15'), ('16'), ('17'), ('18'), ('19'), ('20'), ('21'), ('22'), ('23')) AS h (hour)
  WHERE h.hour IN ({{hours}})
)
SELECT
  p.payout_id,
  p.city_id,
  p.amount,
  to_iso8601(p.scheduled_at) AS scheduled_at,
  g.hour_end AS as_of,
  {{to}} AS dt,
  g.hour
FROM hours AS g
JOIN payouts AS p ON p.scheduled_at < g.hour_end AND (p.closed_at IS NULL OR p.closed_at >= g.hour_end)
