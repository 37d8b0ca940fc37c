-- One row per analysable unit of one experiment: its variant and, per metric, the value over the
-- experiment window (from the unit's first exposure day to {{to}}) and over the pre-period
-- ({{pre_from}} to the day before {{start}}, the CUPED covariate). Units without a user id (anon
-- visitors never linked to a user) have no per-user aggregates and units seen in two variants
-- are excluded. No user id leaves this query. Metric names: ExperimentMetric in @lakeops/core.
WITH units AS (
  SELECT user_id, variant, CAST(CAST(exposed_at AS DATE) AS VARCHAR) AS exposed_on
  FROM silver.dim_exposure
  WHERE exp_key = {{exp_key}}
    AND user_id IS NOT NULL
    AND NOT conflicting_variants
    AND CAST(CAST(exposed_at AS DATE) AS VARCHAR) BETWEEN {{start}} AND {{to}}
),
activity AS (
  SELECT
    u.user_id,
    sum(CASE WHEN a.dt >= u.exposed_on THEN CAST(a.gmv AS DOUBLE) ELSE 0 END) AS gmv,
    sum(CASE WHEN a.dt < {{start}} THEN CAST(a.gmv AS DOUBLE) ELSE 0 END) AS gmv_pre,
    max(CASE WHEN a.dt >= u.exposed_on AND a.confirmed_legs > 0 THEN 1 ELSE 0 END) AS converted,
    max(CASE WHEN a.dt < {{start}} AND a.confirmed_legs > 0 THEN 1 ELSE 0 END) AS converted_pre,
    max(CASE WHEN a.dt >= u.exposed_on AND a.refund_amount > 0 THEN 1 ELSE 0 END) AS refunded,
    max(CASE WHEN a.dt < {{start}} AND a.refund_amount > 0 THEN 1 ELSE 0 END) AS refunded_pre
  FROM units AS u
  JOIN gold.user_daily_aggregates AS a ON a.user_id = u.user_id
  WHERE a.dt BETWEEN {{pre_from}} AND {{to}}
  GROUP BY u.user_id
),
comms AS (
  SELECT
    u.user_id,
    max(CASE WHEN n.dt >= u.exposed_on AND n.status = 'complained' THEN 1 ELSE 0 END) AS complained,
    max(CASE WHEN n.dt < {{start}} AND n.status = 'complained' THEN 1 ELSE 0 END) AS complained_pre,
    max(CASE WHEN n.dt >= u.exposed_on AND n.status = 'bounced' THEN 1 ELSE 0 END) AS bounced,
    max(CASE WHEN n.dt < {{start}} AND n.status = 'bounced' THEN 1 ELSE 0 END) AS bounced_pre
  FROM units AS u
  JOIN silver.fact_notifications AS n ON n.user_id = u.user_id
  WHERE n.dt BETWEEN {{pre_from}} AND {{to}} AND n.status IN ('complained', 'bounced')
  GROUP BY u.user_id
)
SELECT
  u.variant,
  coalesce(a.gmv, 0) AS gmv_per_user,
  coalesce(a.gmv_pre, 0) AS gmv_per_user_pre,
  coalesce(a.converted, 0) AS conversion_rate,
  coalesce(a.converted_pre, 0) AS conversion_rate_pre,
  coalesce(a.refunded, 0) AS refund_rate,
  coalesce(a.refunded_pre, 0) AS refund_rate_pre,
  coalesce(c.complained, 0) AS complaint_rate,
  coalesce(c.complained_pre, 0) AS complaint_rate_pre,
  coalesce(c.bounced, 0) AS comms_bounce_rate,
  coalesce(c.bounced_pre, 0) AS comms_bounce_rate_pre
FROM units AS u
LEFT JOIN activity AS a ON a.user_id = u.user_id
LEFT JOIN comms AS c ON c.user_id = u.user_id
