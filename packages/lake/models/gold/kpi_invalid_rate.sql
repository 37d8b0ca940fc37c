-- Invalid (filtered) promoted clicks over all promoted clicks, per city.
SELECT
  city_id,
  count(*) AS clicks,
  sum(CASE WHEN kind = 'invalid' THEN 1 ELSE 0 END) AS invalid_clicks,
  CAST(sum(CASE WHEN kind = 'invalid' THEN 1 ELSE 0 END) AS DOUBLE) / NULLIF(CAST(count(*) AS DOUBLE), 0)
    AS invalid_rate,
  dt
FROM silver.fact_promotions_events
WHERE kind IN ('click', 'invalid') AND dt BETWEEN {{from}} AND {{to}}
GROUP BY dt, city_id
