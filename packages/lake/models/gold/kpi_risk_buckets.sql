-- Checks per risk-score bucket and kind (counts only; no person).
SELECT
  kind,
  CASE
    WHEN risk_score < 25 THEN '0-24'
    WHEN risk_score < 50 THEN '25-49'
    WHEN risk_score < 75 THEN '50-74'
    ELSE '75-100'
  END AS bucket,
  count(*) AS checks,
  dt
FROM silver.fact_idv_bg
WHERE dt BETWEEN {{from}} AND {{to}}
GROUP BY dt, kind, 2
