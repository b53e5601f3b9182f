-- Every pupil-level outcome the gap analyses use, one row per pupil, school,
-- year and measure, in a common shape: a group's value is
-- scale * sum(num) / sum(den). So a percentage of pupils is num 1 or 0 over
-- den 1 (scale 100); an average score is the score over 1 (scale 1); the
-- overall absence rate is absent sessions over possible sessions (scale
-- 100), summed over pupils before dividing, as DfE does (not a mean of
-- pupils' rates).
--
-- Measures: phonics_expected, ks1_rwm_expected, ks2_rwm_expected,
-- ks2_rwm_high, ks2_read_average, ks2_mat_average (scaled scores of pupils
-- who sat the test), ks4_att8, ks4_p8 (edwh's P8, capped, stg.p8_pupils),
-- ks4_eng_mat_94, ks4_eng_mat_95, overall_absence_rate,
-- persistent_absence_rate, suspension_rate (suspensions per 100 pupils on
-- roll), one_plus_suspension_rate, permanent_exclusion_rate. Results and
-- attendance count at the school of the record; exclusion rates at the
-- school of the census, over every pupil on roll.
-- depends: mart.attainment, mart.attendance, mart.exclusions, mart.pupils, stg.p8_pupils
-- check: not_null pupil_key, time_period, measure, num, den, scale
-- check: accepted_values scale = 1, 100
WITH a AS (SELECT * FROM mart.attainment),
excl AS (
    SELECT pupil_key, time_period, sum(suspensions) AS suspensions, sum(permanent_exclusions) AS perms
    FROM mart.exclusions WHERE level = 'pupil' GROUP BY pupil_key, time_period
),
excl_years AS (SELECT DISTINCT time_period FROM mart.exclusions)
SELECT pupil_key, time_period, urn, la_code, 'phonics_expected' AS measure, CAST(phonics_expected AS DOUBLE) AS num, 1.0 AS den, 100 AS scale
FROM a WHERE key_stage = 'phonics' AND phonics_expected IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks1_rwm_expected', CAST(ks1_rwm_expected AS DOUBLE), 1.0, 100
FROM a WHERE key_stage = 'ks1' AND ks1_rwm_expected IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks2_rwm_expected', CAST(rwm_expected AS DOUBLE), 1.0, 100
FROM a WHERE key_stage = 'ks2' AND rwm_expected IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks2_rwm_high', CAST(rwm_high AS DOUBLE), 1.0, 100
FROM a WHERE key_stage = 'ks2' AND rwm_high IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks2_read_average', read_scaled, 1.0, 1
FROM a WHERE key_stage = 'ks2' AND read_scaled IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks2_mat_average', mat_scaled, 1.0, 1
FROM a WHERE key_stage = 'ks2' AND mat_scaled IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks4_att8', att8, 1.0, 1
FROM a WHERE key_stage = 'ks4' AND att8 IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks4_p8', p8_adjusted, 1.0, 1
FROM stg.p8_pupils
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks4_eng_mat_94', CAST(eng_mat_94 AS DOUBLE), 1.0, 100
FROM a WHERE key_stage = 'ks4' AND eng_mat_94 IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'ks4_eng_mat_95', CAST(eng_mat_95 AS DOUBLE), 1.0, 100
FROM a WHERE key_stage = 'ks4' AND eng_mat_95 IS NOT NULL
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'overall_absence_rate', CAST(sessions_absent AS DOUBLE), CAST(sessions_possible AS DOUBLE), 100
FROM mart.attendance WHERE sessions_possible > 0
UNION ALL
SELECT pupil_key, time_period, urn, la_code, 'persistent_absence_rate', CAST(persistent_absentee AS DOUBLE), 1.0, 100
FROM mart.attendance WHERE sessions_possible > 0
UNION ALL
SELECT p.pupil_key, p.time_period, p.urn, p.la_code, m.measure,
       CASE m.measure WHEN 'suspension_rate' THEN coalesce(e.suspensions, 0)
                      WHEN 'one_plus_suspension_rate' THEN CASE WHEN coalesce(e.suspensions, 0) > 0 THEN 1 ELSE 0 END
                      ELSE coalesce(e.perms, 0) END,
       1.0, 100
FROM mart.pupils p
JOIN excl_years y ON y.time_period = p.time_period
CROSS JOIN (VALUES ('suspension_rate'), ('one_plus_suspension_rate'), ('permanent_exclusion_rate')) m(measure)
LEFT JOIN excl e ON e.pupil_key = p.pupil_key AND e.time_period = p.time_period
