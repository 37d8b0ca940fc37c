-- Per-user daily activity (experiment covariates); user ids only, no contact data or hashes.
WITH activity AS (
  SELECT dt, user_id, 1 AS impressions, 0 AS clicks, 0 AS checkouts, 0 AS confirmed_legs,
    CAST(0 AS DECIMAL(12, 2)) AS gmv, CAST(0 AS DECIMAL(12, 2)) AS refund_amount
  FROM silver.fact_search_impressions WHERE dt BETWEEN {{from}} AND {{to}}
  UNION ALL
  SELECT dt, user_id, 0, 1, 0, 0, 0, 0 FROM silver.fact_search_clicks WHERE dt BETWEEN {{from}} AND {{to}}
  UNION ALL
  SELECT dt, user_id, 0, 0, 1, 0, 0, 0 FROM silver.fact_checkouts WHERE dt BETWEEN {{from}} AND {{to}}
  UNION ALL
  SELECT dt, user_id, 0, 0, 0, 1, amount, 0
  FROM silver.fact_booking_legs WHERE status = 'confirmed' AND dt BETWEEN {{from}} AND {{to}}
  UNION ALL
  SELECT dt, user_id, 0, 0, 0, 0, 0, amount FROM silver.fact_refunds WHERE dt BETWEEN {{from}} AND {{to}}
)
SELECT
  user_id,
  sum(impressions) AS impressions,
  sum(clicks) AS clicks,
  sum(checkouts) AS checkouts,
  sum(confirmed_legs) AS confirmed_legs,
  sum(gmv) AS gmv,
  sum(refund_amount) AS refund_amount,
  dt
FROM activity
GROUP BY dt, user_id
