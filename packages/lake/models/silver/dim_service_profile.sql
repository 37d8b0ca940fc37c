-- Service profiles from the latest catalog export.
SELECT
  service_id,
  seller_id,
  city_id,
  category,
  title,
  CAST(base_price AS DECIMAL(12, 2)) AS base_price,
  from_iso8601_timestamp(listed_at) AS listed_at
FROM bronze.services_snapshot
WHERE dt IN (SELECT max(dt) FROM bronze.services_snapshot)
