-- Per written hour of the day and city: payments captured vs booking legs confirmed in that
-- hour. Reads only those hours' Bronze partitions (deduplicated by event id exactly as Silver is;
-- Bronze is partitioned by event time, so an event and its copies sit in its own hour) so it never
-- waits for a Silver build. Every city has a row for every hour (zeros pass the gate), so each
-- hour's partition exists.
WITH events AS (
  SELECT detail_type, detail, from_iso8601_timestamp(time) AS event_at
  FROM (
    SELECT id, detail_type, time, detail,
      row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
    FROM bronze.events
    WHERE ((detail_type = 'payment.captured' AND json_extract_scalar(detail, '$.v') IN ('1'))
      OR (detail_type = 'booking.leg.status_changed' AND json_extract_scalar(detail, '$.v') IN ('1')))
      AND dt = {{to}} AND hour IN ({{hours}})
  ) AS copies
  WHERE nth_copy = 1
),
hours AS (
  SELECT h.hour, from_iso8601_timestamp({{to}} || 'T' || h.hour || ':00:00Z') + INTERVAL '1' HOUR AS hour_end
  FROM (VALUES ('00'), ('01'), ('02'), ('03'), ('04'), ('05'), ('06'), ('07'), ('08'), ('09'), ('10'), ('11'), ('12'), ('13'), ('14'), ('15'), ('16'), ('17'), ('18'), ('19'), ('20'), ('21'), ('22'), ('23')) AS h (hour)
  WHERE h.hour IN ({{hours}})
),
cities AS (
  SELECT city_id FROM bronze.cities_snapshot WHERE dt IN (SELECT max(dt) FROM bronze.cities_snapshot)
  UNION
  SELECT json_extract_scalar(detail, '$.city_id') AS city_id FROM events
),
facts AS (
  SELECT
    json_extract_scalar(detail, '$.city_id') AS city_id,
    lpad(CAST(hour(event_at) AS VARCHAR), 2, '0') AS hour,
    CASE detail_type WHEN 'payment.captured' THEN 1 ELSE 0 END AS is_payment,
    CASE WHEN detail_type IN ('booking.leg.status_changed')
      AND json_extract_scalar(detail, '$.status') = 'confirmed' THEN 1 ELSE 0 END AS is_confirm,
    CAST(json_extract_scalar(detail, '$.amount') AS DECIMAL(12, 2)) AS amount
  FROM events
),
per_hour AS (
  SELECT city_id, hour,
    sum(is_payment) AS payments,
    sum(CASE WHEN is_payment = 1 THEN amount ELSE 0 END) AS payment_amount,
    sum(is_confirm) AS confirmed_legs,
    sum(CASE WHEN is_confirm = 1 THEN amount ELSE 0 END) AS confirmed_amount
  FROM facts
  GROUP BY city_id, hour
),
filled AS (
  SELECT c.city_id, g.hour, g.hour_end,
    coalesce(p.payments, 0) AS payments,
    coalesce(p.payment_amount, 0) AS payment_amount,
    coalesce(p.confirmed_legs, 0) AS confirmed_legs,
    coalesce(p.confirmed_amount, 0) AS confirmed_amount
  FROM hours AS g
  CROSS JOIN cities AS c
  LEFT JOIN per_hour AS p ON p.city_id = c.city_id AND p.hour = g.hour
  WHERE c.city_id IS NOT NULL
)
SELECT
  city_id,
  payments,
  payment_amount,
  confirmed_legs,
  confirmed_amount,
  payment_amount - confirmed_amount AS mismatch_amount,
  abs(payment_amount - confirmed_amount) <= confirmed_amount * 0.01 AS gate_passed,
  hour_end AS as_of,
  {{to}} AS dt,
  hour
FROM filled
