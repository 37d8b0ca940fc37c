-- Campaign spend against its daily budget.
SELECT
  s.campaign_id,
  sum(s.amount) AS spend,
  max(c.daily_budget) AS daily_budget,
  CAST(sum(s.amount) AS DOUBLE) / NULLIF(CAST(max(c.daily_budget) AS DOUBLE), 0) AS utilisation,
  s.dt
FROM silver.fact_promotions_spend AS s
JOIN silver.dim_campaign AS c ON c.campaign_id = s.campaign_id
WHERE s.dt BETWEEN {{from}} AND {{to}}
GROUP BY s.dt, s.campaign_id
