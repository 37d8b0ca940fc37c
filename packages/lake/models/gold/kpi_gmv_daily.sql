-- GMV: the amount of booking legs confirmed that day, per city.
SELECT
  city_id,
  sum(amount) AS gmv,
  count(*) AS confirmed_legs,
  count(DISTINCT booking_id) AS bookings,
  max(currency) AS currency,
  dt
FROM silver.fact_booking_legs
WHERE status = 'confirmed'
  AND dt BETWEEN {{from}} AND {{to}}
GROUP BY dt, city_id
