-- Payouts scheduled and not yet paid or failed at the end of each written hour of the day,
-- by city and age bucket. Carries over from earlier days (a payout scheduled yesterday and still
-- unpaid counts today): it aggregates the carry-over state nrt.payout_backlog_open, written just
-- before it for the same hours. Every city has a row per bucket and hour (zeros), so each hour's
-- partition exists even before today's first event.
WITH hours AS (
  SELECT h.hour, from_iso8601_timestamp({{to}} || 'T' || h.hour || ':00:00Z') + INTERVAL '1' HOUR AS hour_end
  FROM (VALUES ('00'), ('01'), ('02'), ('03'), ('04'), ('05'), ('06'), ('07'), ('08'), ('09'), ('10'), ('11'), ('12'), ('13'), ('14'), ('15'), ('16'), ('17'), ('18'), ('19'), ('20'), ('21'), ('22'), ('23')) AS h (hour)
  WHERE h.hour IN ({{hours}})
),
queued AS (
  SELECT o.hour, o.city_id, o.amount,
    date_diff('minute', from_iso8601_timestamp(o.scheduled_at), g.hour_end) AS age_minutes
  FROM nrt.payout_backlog_open AS o
  JOIN hours AS g ON g.hour = o.hour
  WHERE o.dt = {{to}} AND o.hour IN ({{hours}})
),
per_hour AS (
  SELECT hour, city_id,
    CASE
      WHEN age_minutes < 60 THEN '<1h'
      WHEN age_minutes < 240 THEN '1-4h'
      WHEN age_minutes < 1440 THEN '4-24h'
      ELSE '>24h'
    END AS age_bucket,
    count(*) AS payouts, sum(amount) AS amount
  FROM queued
  GROUP BY 1, 2, 3
),
cities AS (
  SELECT city_id FROM bronze.cities_snapshot WHERE dt IN (SELECT max(dt) FROM bronze.cities_snapshot)
  UNION
  SELECT city_id FROM queued
),
buckets AS (
  SELECT b.age_bucket FROM (VALUES ('<1h'), ('1-4h'), ('4-24h'), ('>24h')) AS b (age_bucket)
)
SELECT
  c.city_id,
  k.age_bucket,
  coalesce(q.payouts, 0) AS payouts,
  coalesce(q.amount, 0) AS amount,
  g.hour_end AS as_of,
  {{to}} AS dt,
  g.hour
FROM hours AS g
CROSS JOIN cities AS c
CROSS JOIN buckets AS k
LEFT JOIN per_hour AS q ON q.hour = g.hour AND q.city_id = c.city_id AND q.age_bucket = k.age_bucket
WHERE c.city_id IS NOT NULL
