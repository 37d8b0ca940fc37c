-- API error rates per route, each sampled request weighted by 1/sample_rate.
SELECT
  route,
  sum(weight) AS requests,
  sum(CASE WHEN status_code >= 500 THEN weight ELSE 0 END) AS server_errors,
  sum(CASE WHEN status_code BETWEEN 400 AND 499 THEN weight ELSE 0 END) AS client_errors,
  sum(CASE WHEN status_code >= 500 THEN weight ELSE 0 END) / NULLIF(CAST(sum(weight) AS DOUBLE), 0)
    AS server_error_rate,
  sum(CASE WHEN status_code BETWEEN 400 AND 499 THEN weight ELSE 0 END) / NULLIF(CAST(sum(weight) AS DOUBLE), 0)
    AS client_error_rate,
  dt
FROM (
  -- A sampled request stands for 1/sample_rate requests.
  SELECT route, status_code, dt, CAST(1 AS DOUBLE) / NULLIF(CAST(sample_rate AS DOUBLE), 0) AS weight
  FROM silver.fact_api_requests
  WHERE dt BETWEEN {{from}} AND {{to}}
) AS r
GROUP BY dt, route
