-- One row per unit and experiment: the first exposure (exp.exposed) of a user, or of an anonymous
-- visitor not yet linked to a user. An anon_id seen in an exposure that also names a user_id (the
-- app logs both at login) is stitched to that user, so its earlier anonymous exposures count as
-- the user's. A unit exposed to more than one variant keeps its first variant and is flagged
-- (conflicting_variants): analyses exclude it.
WITH e AS (
  SELECT
    json_extract_scalar(detail, '$.exp_key') AS exp_key,
    json_extract_scalar(detail, '$.variant') AS variant,
    json_extract_scalar(detail, '$.user_id') AS user_id,
    json_extract_scalar(detail, '$.anon_id') AS anon_id,
    json_extract_scalar(detail, '$.checkpoint') AS checkpoint,
    from_iso8601_timestamp(json_extract_scalar(detail, '$.exposed_at')) AS exposed_at,
    id
  FROM (
    -- One row per event id: EventBridge delivers at least once and producers retry, so Bronze
    -- (append-only) may hold an id more than once, even re-stamped; the earliest copy is kept.
    SELECT id, time, detail, dt
    FROM (
      SELECT id, time, detail, dt,
        row_number() OVER (PARTITION BY id ORDER BY time, dt, detail) AS nth_copy
      FROM bronze.events
      WHERE detail_type = 'exp.exposed' AND json_extract_scalar(detail, '$.v') IN ('1')
    ) AS copies
    WHERE nth_copy = 1
  ) AS deduplicated
),
links AS (
  -- anon_id -> the first user_id it was seen with
  SELECT anon_id, min_by(user_id, exposed_at) AS linked_user_id
  FROM e
  WHERE anon_id IS NOT NULL AND user_id IS NOT NULL
  GROUP BY anon_id
),
units AS (
  SELECT
    e.exp_key,
    e.variant,
    coalesce(e.user_id, links.linked_user_id) AS user_id,
    CASE WHEN coalesce(e.user_id, links.linked_user_id) IS NULL THEN e.anon_id END AS anon_id,
    e.checkpoint,
    e.exposed_at,
    e.id
  FROM e
  LEFT JOIN links ON e.user_id IS NULL AND e.anon_id = links.anon_id
)
SELECT
  exp_key,
  coalesce(user_id, concat('anon:', anon_id)) AS unit_id,
  user_id,
  anon_id,
  min_by(variant, ROW(exposed_at, id)) AS variant,
  min(exposed_at) AS exposed_at,
  min_by(checkpoint, ROW(exposed_at, id)) AS checkpoint,
  CAST(count(*) AS BIGINT) AS exposures,
  count(DISTINCT variant) > 1 AS conflicting_variants
FROM units
GROUP BY exp_key, user_id, anon_id
