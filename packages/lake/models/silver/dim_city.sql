-- Cities served, from the reference export.
SELECT city_id, name, country_code, timezone, currency
FROM bronze.cities_snapshot
WHERE dt IN (SELECT max(dt) FROM bronze.cities_snapshot)
