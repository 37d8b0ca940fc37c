-- Alarms that went into ALARM that day, per severity, and how many of them came back to OK the same day.
SELECT
  severity,
  count(*) AS alarms,
  sum(recovered) AS recovered,
  dt
FROM (
  SELECT a.alarm_event_id, a.severity, a.dt,
    max(CASE WHEN ok.alarm_event_id IS NULL THEN 0 ELSE 1 END) AS recovered
  FROM silver.fact_alarms AS a
  LEFT JOIN silver.fact_alarms AS ok
    ON ok.alarm_name = a.alarm_name AND ok.state = 'OK' AND ok.dt = a.dt AND ok.occurred_at > a.occurred_at
  WHERE a.state = 'ALARM' AND a.dt BETWEEN {{from}} AND {{to}}
  GROUP BY a.alarm_event_id, a.severity, a.dt
) AS triggered
GROUP BY dt, severity
