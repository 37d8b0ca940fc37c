-- Promoted-slot CTR per campaign; invalid clicks are counted apart and excluded.
SELECT
  campaign_id,
  sum(CASE WHEN kind = 'impression' THEN 1 ELSE 0 END) AS impressions,
  sum(CASE WHEN kind = 'click' THEN 1 ELSE 0 END) AS clicks,
  sum(CASE WHEN kind = 'invalid' THEN 1 ELSE 0 END) AS invalid_clicks,
  CAST(sum(CASE WHEN kind = 'click' THEN 1 ELSE 0 END) AS DOUBLE)
    / NULLIF(CAST(sum(CASE WHEN kind = 'impression' THEN 1 ELSE 0 END) AS DOUBLE), 0) AS ctr,
  CAST(sum(CASE WHEN kind = 'invalid' THEN 1 ELSE 0 END) AS DOUBLE)
    / NULLIF(CAST(sum(CASE WHEN kind IN ('click', 'invalid') THEN 1 ELSE 0 END) AS DOUBLE), 0) AS invalid_rate,
  dt
FROM silver.fact_promotions_events
WHERE dt BETWEEN {{from}} AND {{to}}
GROUP BY dt, campaign_id
