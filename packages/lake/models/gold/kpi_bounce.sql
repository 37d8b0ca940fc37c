-- Notifications bounced over sent, per channel, for the notifications sent that day.
SELECT
  channel,
  count(*) AS sent,
  sum(is_bounced) AS bounced,
  CAST(sum(is_bounced) AS DOUBLE) / NULLIF(CAST(count(*) AS DOUBLE), 0) AS bounce_rate,
  dt
FROM (
  -- The notifications sent that day, with every status they reached (later days included).
  SELECT sent.dt, sent.channel, sent.notification_id,
    max(CASE WHEN later.status = 'delivered' THEN 1 ELSE 0 END) AS is_delivered,
    max(CASE WHEN later.status = 'bounced' THEN 1 ELSE 0 END) AS is_bounced,
    max(CASE WHEN later.status = 'complained' THEN 1 ELSE 0 END) AS is_complained,
    max(CASE WHEN later.status = 'opened' THEN 1 ELSE 0 END) AS is_opened,
    max(CASE WHEN later.status = 'clicked' THEN 1 ELSE 0 END) AS is_clicked
  FROM silver.fact_notifications AS sent
  LEFT JOIN silver.fact_notifications AS later
    ON later.notification_id = sent.notification_id AND later.dt >= sent.dt
  WHERE sent.status = 'sent' AND sent.dt BETWEEN {{from}} AND {{to}}
  GROUP BY sent.dt, sent.channel, sent.notification_id
) AS n
GROUP BY dt, channel
