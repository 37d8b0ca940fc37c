-- Disputes still open (opened, not yet won or lost) at the end of each hour of the day {{to}}, by
-- city, status and age bucket. Carries over from earlier days. Reads Bronze deduplicated by event
-- id, as Silver is. Every city has a row per bucket and hour (zeros), so each hour's partition
-- exists even before today's first event.
WITH events AS (
  SELECT detail, from_iso8601_timestamp(time) AS event_at
  FROM (
    SELECT id, time, detail,
      row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
    FROM bronze.events
    WHERE detail_type = 'dispute.status_changed' AND json_extract_scalar(detail, '$.v') IN ('1')
      AND dt <= {{to}}
  ) AS copies
  WHERE nth_copy = 1
),
disputes AS (
  SELECT
    json_extract_scalar(detail, '$.dispute_id') AS dispute_id,
    max(json_extract_scalar(detail, '$.city_id')) AS city_id,
    max(CAST(json_extract_scalar(detail, '$.amount') AS DECIMAL(12, 2))) AS amount,
    min(CASE WHEN json_extract_scalar(detail, '$.status') = 'opened' THEN event_at END) AS opened_at,
    min(CASE WHEN json_extract_scalar(detail, '$.status') IN ('won', 'lost') THEN event_at END) AS closed_at
  FROM events
  GROUP BY json_extract_scalar(detail, '$.dispute_id')
),
hours AS (
  SELECT h.hour, from_iso8601_timestamp({{to}} || 'T' || h.hour || ':00:00Z') + INTERVAL '1' HOUR AS hour_end
  FROM (VALUES ('00'), ('01'), ('02'), ('03'), ('04'), ('05'), ('06'), ('07'), ('08'), ('09'), ('10'), ('11'), ('12'), ('13'), ('14'), ('15'), ('16'), ('17'), ('18'), ('19'), ('20'), ('21'), ('22'), ('23')) AS h (hour)
),
open_disputes AS (
  SELECT g.hour, d.city_id, d.amount,
    CASE
      WHEN date_diff('minute', d.opened_at, g.hour_end) < 60 THEN '<1h'
      WHEN date_diff('minute', d.opened_at, g.hour_end) < 240 THEN '1-4h'
      WHEN date_diff('minute', d.opened_at, g.hour_end) < 1440 THEN '4-24h'
      ELSE '>24h'
    END AS age_bucket
  FROM hours AS g
  JOIN disputes AS d ON d.opened_at < g.hour_end AND (d.closed_at IS NULL OR d.closed_at >= g.hour_end)
),
per_hour AS (
  SELECT hour, city_id, age_bucket, count(*) AS disputes, sum(amount) AS amount
  FROM open_disputes
  GROUP BY hour, city_id, age_bucket
),
cities AS (
  SELECT city_id FROM bronze.cities_snapshot WHERE dt IN (SELECT max(dt) FROM bronze.cities_snapshot)
  UNION
  SELECT city_id FROM disputes
),
buckets AS (
  SELECT b.age_bucket FROM (VALUES ('<1h'), ('1-4h'), ('4-24h'), ('>24h')) AS b (age_bucket)
)
SELECT
  c.city_id,
  'opened' AS status,
  k.age_bucket,
  coalesce(q.disputes, 0) AS disputes,
  coalesce(q.amount, 0) AS amount,
  g.hour_end AS as_of,
  {{to}} AS dt,
  g.hour
FROM hours AS g
CROSS JOIN cities AS c
CROSS JOIN buckets AS k
LEFT JOIN per_hour AS q ON q.hour = g.hour AND q.city_id = c.city_id AND q.age_bucket = k.age_bucket
WHERE c.city_id IS NOT NULL
