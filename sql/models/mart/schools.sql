-- schools: the schools reference, one row per URN (a dimension, not a yearly
-- mart, so it has no time_period). Join any mart to it on urn for names,
-- phase and type.
-- depends: stg.schools
-- check: unique urn
SELECT urn, laestab, la_code, estab, la_name, name, type, phase, open_date, close_date, low_age, high_age
FROM stg.schools
