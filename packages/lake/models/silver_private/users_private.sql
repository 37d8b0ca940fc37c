-- Hashed contact data only (hashed at export); the private zone is the only place it lives.
SELECT
  user_id,
  email_sha256,
  phone_sha256,
  from_iso8601_timestamp(exported_at) AS updated_at
FROM bronze.accounts_snapshot
WHERE dt IN (SELECT max(dt) FROM bronze.accounts_snapshot)
