-- Users from the latest accounts export, without contact data or its hashes.
SELECT
  user_id,
  city_id,
  CAST(from_iso8601_timestamp(signup_at) AS DATE) AS signup_date,
  is_seller
FROM bronze.accounts_snapshot
WHERE dt IN (SELECT max(dt) FROM bronze.accounts_snapshot)
