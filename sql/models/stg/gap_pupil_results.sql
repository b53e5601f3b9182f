-- A row per pupil, school, year and measure of attainment, for the gap
-- cell models (stg.gap_results, stg.gap_results_la), with the pupil keyed
-- by md5_number(pupil_key) as in stg.gap_traits. Each is a pupil's num
-- over den (a percentage of pupils is num 1 or 0 over den 1, scale 100; an
-- average score is the score over 1, scale 1):
--   phonics_expected, ks1_rwm_expected, ks2_rwm_expected, ks2_rwm_high,
--   ks4_eng_mat_94, ks4_eng_mat_95   % of pupils with a result
--   ks2_read_average, ks2_mat_average  scaled scores of pupils who sat the test
--   ks4_att8                          Attainment 8 points
--   ks4_p8                            edwh's capped Progress 8 (stg.p8_pupils)
-- depends: mart.attainment, stg.p8_pupils
-- check: not_null pk, time_period, measure, num, den, scale
SELECT md5_number(pupil_key) AS pk, time_period, urn, la_code, measure, num, den, scale FROM (
    SELECT pupil_key, time_period, urn, la_code, 'phonics_expected' AS measure, CAST(phonics_expected AS DOUBLE) AS num, 1.0 AS den, 100 AS scale
    FROM mart.attainment WHERE key_stage = 'phonics' AND phonics_expected IS NOT NULL
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks1_rwm_expected', CAST(ks1_rwm_expected AS DOUBLE), 1.0, 100
    FROM mart.attainment WHERE key_stage = 'ks1' AND ks1_rwm_expected IS NOT NULL
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks2_rwm_expected', CAST(rwm_expected AS DOUBLE), 1.0, 100
    FROM mart.attainment WHERE key_stage = 'ks2' AND rwm_expected IS NOT NULL
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks2_rwm_high', CAST(rwm_high AS DOUBLE), 1.0, 100
    FROM mart.attainment WHERE key_stage = 'ks2' AND rwm_high IS NOT NULL
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks2_read_average', read_scaled, 1.0, 1
    FROM mart.attainment WHERE key_stage = 'ks2' AND read_scaled IS NOT NULL
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks2_mat_average', mat_scaled, 1.0, 1
    FROM mart.attainment WHERE key_stage = 'ks2' AND mat_scaled IS NOT NULL
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks4_att8', att8, 1.0, 1
    FROM mart.attainment WHERE key_stage = 'ks4' AND att8 IS NOT NULL
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks4_p8', p8_adjusted, 1.0, 1
    FROM stg.p8_pupils
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks4_eng_mat_94', CAST(eng_mat_94 AS DOUBLE), 1.0, 100
    FROM mart.attainment WHERE key_stage = 'ks4' AND eng_mat_94 IS NOT NULL
    UNION ALL
    SELECT pupil_key, time_period, urn, la_code, 'ks4_eng_mat_95', CAST(eng_mat_95 AS DOUBLE), 1.0, 100
    FROM mart.attainment WHERE key_stage = 'ks4' AND eng_mat_95 IS NOT NULL
)
