-- Leg cancellations by who cancelled, against legs confirmed the same day, per city.
SELECT
  city_id,
  sum(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_legs,
  sum(CASE WHEN status = 'cancelled' AND cancelled_by = 'buyer' THEN 1 ELSE 0 END) AS cancelled_by_buyer,
  sum(CASE WHEN status = 'cancelled' AND cancelled_by = 'seller' THEN 1 ELSE 0 END) AS cancelled_by_seller,
  sum(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS confirmed_legs,
  CAST(sum(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS DOUBLE)
    / NULLIF(CAST(sum(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS DOUBLE), 0) AS cancellation_rate,
  dt
FROM silver.fact_booking_legs
WHERE status IN ('cancelled', 'confirmed')
  AND dt BETWEEN {{from}} AND {{to}}
GROUP BY dt, city_id
