-- Marketplace fees over the GMV of legs confirmed that day, per city.
SELECT
  city_id,
  sum(amount) AS gmv,
  sum(fee_amount) AS fees,
  CAST(sum(fee_amount) AS DOUBLE) / NULLIF(CAST(sum(amount) AS DOUBLE), 0) AS take_rate,
  dt
FROM silver.fact_booking_legs
WHERE status = 'confirmed'
  AND dt BETWEEN {{from}} AND {{to}}
GROUP BY dt, city_id
