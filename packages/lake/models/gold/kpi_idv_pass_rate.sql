-- Identity verifications that day and the share that passed.
SELECT
  count(*) AS checks,
  sum(CASE WHEN result = 'pass' THEN 1 ELSE 0 END) AS passed,
  CAST(sum(CASE WHEN result = 'pass' THEN 1 ELSE 0 END) AS DOUBLE) / NULLIF(CAST(count(*) AS DOUBLE), 0) AS pass_rate,
  dt
FROM silver.fact_idv_bg
WHERE kind = 'idv' AND dt BETWEEN {{from}} AND {{to}}
GROUP BY dt
