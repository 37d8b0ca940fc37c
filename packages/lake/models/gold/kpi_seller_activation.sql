-- Sellers with a leg confirmed that day, over the sellers signed up by that day, per city.
SELECT
  s.city_id,
  s.sellers,
  coalesce(a.active_sellers, 0) AS active_sellers,
  CAST(coalesce(a.active_sellers, 0) AS DOUBLE) / NULLIF(CAST(s.sellers AS DOUBLE), 0) AS activation_rate,
  s.dt
FROM (
  SELECT d.dt, u.city_id, count(*) AS sellers
  FROM (SELECT DISTINCT dt FROM silver.fact_booking_legs WHERE dt BETWEEN {{from}} AND {{to}}) AS d
  JOIN silver.dim_user_public AS u ON u.is_seller AND CAST(u.signup_date AS VARCHAR) <= d.dt
  GROUP BY d.dt, u.city_id
) AS s
LEFT JOIN (
  SELECT dt, city_id, count(DISTINCT seller_id) AS active_sellers
  FROM silver.fact_booking_legs
  WHERE status = 'confirmed' AND dt BETWEEN {{from}} AND {{to}}
  GROUP BY dt, city_id
) AS a ON a.dt = s.dt AND a.city_id = s.city_id
