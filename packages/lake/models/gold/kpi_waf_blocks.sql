-- WAF blocks per rule and action.
SELECT
  rule_id,
  action,
  count(*) AS blocks,
  dt
FROM silver.fact_waf_blocks
WHERE dt BETWEEN {{from}} AND {{to}}
GROUP BY dt, rule_id, action
