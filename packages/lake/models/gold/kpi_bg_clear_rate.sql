-- Background checks that day and the share that came back clear.
SELECT
  count(*) AS checks,
  sum(CASE WHEN result = 'clear' THEN 1 ELSE 0 END) AS cleared,
  CAST(sum(CASE WHEN result = 'clear' THEN 1 ELSE 0 END) AS DOUBLE) / NULLIF(CAST(count(*) AS DOUBLE), 0) AS clear_rate,
  dt
FROM silver.fact_idv_bg
WHERE kind = 'bg' AND dt BETWEEN {{from}} AND {{to}}
GROUP BY dt
