-- API latency per route: approximate p95 of the sampled requests, and the requests they stand for.
SELECT
  route,
  count(*) AS sampled,
  sum(weight) AS requests,
  approx_percentile(latency_ms, 0.95) AS p95_latency_ms,
  dt
FROM (
  -- A sampled request stands for 1/sample_rate requests.
  SELECT route, latency_ms, dt, CAST(1 AS DOUBLE) / NULLIF(CAST(sample_rate AS DOUBLE), 0) AS weight
  FROM silver.fact_api_requests
  WHERE dt BETWEEN {{from}} AND {{to}}
) AS r
GROUP BY dt, route
