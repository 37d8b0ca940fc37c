-- Carry-over state of nrt.dispute_queue: every dispute opened and not yet won or lost at the end of
-- each written hour of the day. It continues from this table's own rows at the end of the hour
-- before the first written one (the carry partition) and reads only the Bronze hours after it, up
-- to the last written one: a refresh after one new hour reads one hour of Bronze, not all history.
-- With no state to continue from, the carry day is '0001-01-01' and all earlier Bronze is read.
-- Bronze is deduplicated by event id, as Silver is; a copy on both sides of the carry hour changes
-- nothing (min / max ignore a duplicate).
WITH carry AS (
  SELECT dispute_id, city_id, amount, from_iso8601_timestamp(opened_at) AS opened_at
  FROM nrt.dispute_queue_open
  WHERE dt = {{carry_dt}} AND hour = {{carry_hour}}
),
events AS (
  SELECT detail, from_iso8601_timestamp(time) AS event_at
  FROM (
    SELECT id, time, detail,
      row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
    FROM bronze.events
    WHERE detail_type = 'dispute.status_changed' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt >= {{carry_dt}} AND dt <= {{to}}
      AND (dt > {{carry_dt}} OR hour > {{carry_hour}})
      AND (dt < {{to}} OR hour <= {{last_hour}})
  ) AS copies
  WHERE nth_copy = 1
),
facts AS (
  SELECT dispute_id, city_id, amount, opened_at, from_iso8601_timestamp(NULL) AS closed_at
  FROM carry
  UNION ALL
  SELECT
    json_extract_scalar(detail, '$.dispute_id') AS dispute_id,
    json_extract_scalar(detail, '$.city_id') AS city_id,
    CAST(json_extract_scalar(detail, '$.amount') AS DECIMAL(12, 2)) AS amount,
    CASE WHEN json_extract_scalar(detail, '$.status') = 'opened' THEN event_at END AS opened_at,
    CASE WHEN json_extract_scalar(detail, '$.status') IN ('won', 'lost') THEN event_at END AS closed_at
  FROM events
),
disputes AS (
  SELECT dispute_id, max(city_id) AS city_id, max(amount) AS amount,
    min(opened_at) AS opened_at, min(closed_at) AS closed_at
  FROM facts
  GROUP BY dispute_id
),
hours AS (
  SELECT h.hour, from_iso8601_timestamp({{to}} || 'T' || h.hour || ':00:00Z') + INTERVAL '1' HOUR AS hour_end
  FROM (VALUES ('00'), ('01'), ('02'), ('03'), ('04'), ('05'), ('06'), ('07'), ('08'), ('09'), ('10'), ('11'), ('12'), ('13'), ('14'), ('15'), ('16'), ('17'), ('18'), ('19'), ('20'), ('21'), ('22'), ('23')) AS h (hour)
  WHERE h.hour IN ({{hours}})
)
SELECT
  p.dispute_id,
  p.city_id,
  p.amount,
  to_iso8601(p.opened_at) AS opened_at,
  g.hour_end AS as_of,
  {{to}} AS dt,
  g.hour
FROM hours AS g
JOIN disputes AS p ON p.opened_at < g.hour_end AND (p.closed_at IS NULL OR p.closed_at >= g.hour_end)
