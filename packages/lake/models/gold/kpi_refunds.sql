-- Refunds issued and their share of the day's GMV, per city.
WITH refunds AS (
  SELECT dt, city_id, count(*) AS refunds, sum(amount) AS refund_amount
  FROM silver.fact_refunds
  WHERE dt BETWEEN {{from}} AND {{to}}
  GROUP BY dt, city_id
),
gmv AS (
  SELECT dt, city_id, sum(amount) AS gmv
  FROM silver.fact_booking_legs
  WHERE status = 'confirmed' AND dt BETWEEN {{from}} AND {{to}}
  GROUP BY dt, city_id
)
SELECT
  coalesce(r.city_id, g.city_id) AS city_id,
  coalesce(r.refunds, 0) AS refunds,
  coalesce(r.refund_amount, 0) AS refund_amount,
  coalesce(g.gmv, 0) AS gmv,
  CAST(coalesce(r.refund_amount, 0) AS DOUBLE) / NULLIF(CAST(g.gmv AS DOUBLE), 0) AS refund_rate,
  coalesce(r.dt, g.dt) AS dt
FROM refunds AS r
FULL OUTER JOIN gmv AS g ON r.dt = g.dt AND r.city_id = g.city_id
