-- Time from a leg's request to the seller's decision, for the legs decided that day, in buckets.
-- Interval comparisons, not date_diff: DuckDB's date_diff counts unit boundaries crossed, Trino's
-- counts whole units elapsed.
SELECT
  bucket,
  count(*) AS legs,
  sum(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS confirmed,
  sum(CASE WHEN status = 'declined' THEN 1 ELSE 0 END) AS declined,
  dt
FROM (
  SELECT decided.dt, decided.status,
    CASE
      WHEN decided.occurred_at < requested.occurred_at + INTERVAL '1' HOUR THEN '0-1h'
      WHEN decided.occurred_at < requested.occurred_at + INTERVAL '2' HOUR THEN '1-2h'
      WHEN decided.occurred_at < requested.occurred_at + INTERVAL '6' HOUR THEN '2-6h'
      WHEN decided.occurred_at < requested.occurred_at + INTERVAL '24' HOUR THEN '6-24h'
      ELSE '24h+'
    END AS bucket
  FROM silver.fact_booking_legs AS decided
  JOIN silver.fact_booking_legs AS requested
    ON requested.leg_id = decided.leg_id AND requested.status = 'requested'
  WHERE decided.status IN ('confirmed', 'declined')
    AND decided.dt BETWEEN {{from}} AND {{to}}
) AS windows
GROUP BY dt, bucket
