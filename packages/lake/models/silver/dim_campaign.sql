-- Promotion campaigns and budgets, from the latest export.
SELECT
  campaign_id,
  seller_id,
  service_id,
  city_id,
  CAST(daily_budget AS DECIMAL(12, 2)) AS daily_budget,
  CAST(cost_per_click AS DECIMAL(12, 2)) AS cost_per_click,
  CAST(starts_on AS DATE) AS starts_on,
  CAST(ends_on AS DATE) AS ends_on
FROM bronze.campaigns_snapshot
WHERE dt IN (SELECT max(dt) FROM bronze.campaigns_snapshot)
