-- Disputes opened and resolved that day, per city.
SELECT
  city_id,
  sum(CASE WHEN status = 'opened' THEN 1 ELSE 0 END) AS opened,
  sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END) AS won,
  sum(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) AS lost,
  sum(CASE WHEN status = 'opened' THEN amount ELSE 0 END) AS disputed_amount,
  dt
FROM silver.fact_disputes
WHERE dt BETWEEN {{from}} AND {{to}}
GROUP BY dt, city_id
