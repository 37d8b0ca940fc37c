-- Studio permits approved or rejected that day, and the share approved, per studio city.
SELECT
  s.city_id,
  count(*) AS decided,
  sum(CASE WHEN d.status = 'approved' THEN 1 ELSE 0 END) AS approved,
  CAST(sum(CASE WHEN d.status = 'approved' THEN 1 ELSE 0 END) AS DOUBLE) / NULLIF(CAST(count(*) AS DOUBLE), 0)
    AS verification_rate,
  d.dt
FROM silver.fact_docs AS d
JOIN silver.dim_studio AS s ON s.studio_id = d.studio_id
WHERE d.kind = 'studio_permit' AND d.status IN ('approved', 'rejected')
  AND d.dt BETWEEN {{from}} AND {{to}}
GROUP BY d.dt, s.city_id
