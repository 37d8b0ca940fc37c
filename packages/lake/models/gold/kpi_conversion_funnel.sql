-- Search → click → profile → checkout → confirm, per city, for the searches of each day.
-- Each step counts only what followed from that day's impressions (a cohort), so the counts
-- never grow down the funnel even when a confirmation lands after midnight.
WITH impressions AS (
  SELECT dt, city_id, impression_id
  FROM silver.fact_search_impressions
  WHERE dt BETWEEN {{from}} AND {{to}}
),
clicks AS (
  SELECT i.dt, i.city_id, c.click_id
  FROM silver.fact_search_clicks AS c
  JOIN impressions AS i ON i.impression_id = c.impression_id
  WHERE c.dt >= {{from}}
),
views AS (
  SELECT k.dt, k.city_id, v.view_id
  FROM silver.fact_profile_views AS v
  JOIN clicks AS k ON k.click_id = v.click_id
  WHERE v.dt >= {{from}}
),
checkouts AS (
  SELECT w.dt, w.city_id, o.booking_id
  FROM silver.fact_checkouts AS o
  JOIN views AS w ON w.view_id = o.view_id
  WHERE o.dt >= {{from}}
),
confirms AS (
  SELECT DISTINCT k.dt, k.city_id, k.booking_id
  FROM checkouts AS k
  JOIN silver.fact_booking_legs AS l ON l.booking_id = k.booking_id
  WHERE l.status = 'confirmed' AND l.dt >= {{from}}
),
steps AS (
  SELECT dt, city_id, 1 AS impressions, 0 AS clicks, 0 AS profile_views, 0 AS checkouts, 0 AS confirms
  FROM impressions
  UNION ALL
  SELECT dt, city_id, 0, 1, 0, 0, 0 FROM clicks
  UNION ALL
  SELECT dt, city_id, 0, 0, 1, 0, 0 FROM views
  UNION ALL
  SELECT dt, city_id, 0, 0, 0, 1, 0 FROM checkouts
  UNION ALL
  SELECT dt, city_id, 0, 0, 0, 0, 1 FROM confirms
),
totals AS (
  SELECT
    dt,
    city_id,
    sum(impressions) AS impressions,
    sum(clicks) AS clicks,
    sum(profile_views) AS profile_views,
    sum(checkouts) AS checkouts,
    sum(confirms) AS confirms
  FROM steps
  GROUP BY dt, city_id
)
SELECT
  city_id,
  impressions,
  clicks,
  profile_views,
  checkouts,
  confirms,
  CAST(clicks AS DOUBLE) / NULLIF(CAST(impressions AS DOUBLE), 0) AS ctr,
  CAST(checkouts AS DOUBLE) / NULLIF(CAST(clicks AS DOUBLE), 0) AS click_to_checkout,
  CAST(confirms AS DOUBLE) / NULLIF(CAST(checkouts AS DOUBLE), 0) AS checkout_to_confirm,
  dt
FROM totals
