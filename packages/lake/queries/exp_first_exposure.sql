-- The day (UTC) of an experiment's first exposure: its start when the definition declares none.
SELECT CAST(CAST(min(exposed_at) AS DATE) AS VARCHAR) AS first_exposed_on
FROM silver.dim_exposure
WHERE exp_key = {{exp_key}}
