-- The value of each measure for each pupil group, at school and LA level,
-- per year, before suppression: pupils, value = scale * sum(num) / sum(den),
-- with num, den and scale kept so that years and schools can be pooled, and
-- the sums of squares num2 = sum(num^2), den2 = sum(den^2) and numden =
-- sum(num x den) over the cell's pupils, from which the sampling variance of
-- a pooled value can be worked out (mart.intervention_effects uses them).
-- A pupil's groups come from the census of that year (mart.pupils): a pupil
-- with no census record that year counts only in 'all'.
--
-- Measures, each a pupil's num over den (a percentage of pupils is num 1 or
-- 0 over den 1, scale 100; an average score is the score over 1, scale 1):
--   phonics_expected, ks1_rwm_expected, ks2_rwm_expected, ks2_rwm_high,
--   ks4_eng_mat_94, ks4_eng_mat_95   % of pupils with a result
--   ks2_read_average, ks2_mat_average  scaled scores of pupils who sat the test
--   ks4_att8                          Attainment 8 points
--   ks4_p8                            edwh's capped Progress 8 (stg.p8_pupils)
--   overall_absence_rate              absent sessions over possible sessions,
--                                     summed over pupils before dividing, as
--                                     DfE does (not a mean of pupils' rates)
--   persistent_absence_rate           % of pupils persistently absent
--   suspension_rate                   suspensions per 100 pupils on roll
--   one_plus_suspension_rate          % of pupils on roll with a suspension
--   permanent_exclusion_rate          permanent exclusions per 100 pupils
-- Results and attendance count at the school of the record; exclusion rates
-- at the school of the census, over every pupil on roll in a year that has
-- exclusions data. A pupil with two records at one school (or in one LA)
-- counts once there, with the records' num and den added up.
--
-- How: pupils are summed into one row per school (or LA), year, measure and
-- combination of characteristics (disadvantaged, SEN status, EAL, gender),
-- and only those few rows are spread over the groups each combination
-- belongs to. Attendance keeps its two measures, and exclusions their
-- three, side by side in one row per pupil until then, so that each of the
-- 8.5 million pupils of a national year is joined to the census once per
-- source rather than once per measure. Pupils are grouped and joined by
-- md5_number(pupil_key), a 128-bit number, rather than by the 64-character
-- key (two keys colliding is a 1 in 10^25 chance at national scale).
-- depends: mart.attainment, mart.attendance, mart.exclusions, mart.pupils, stg.p8_pupils
-- check: not_null level, measure, pupil_group, pupils
-- check: accepted_values scale = 1, 100
WITH traits AS (
    SELECT md5_number(pupil_key) AS pk, time_period, urn, la_code, disadvantaged, sen_status, eal, gender
    FROM mart.pupils
),
-- Results: a row per pupil, school, year and measure.
results AS (
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
),
school_results AS (
    SELECT o.urn, o.la_code, o.time_period, o.measure,
           t.pk IS NOT NULL AS has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
           count(*) AS pupils, sum(o.num) AS num, sum(o.den) AS den, max(o.scale) AS scale,
           sum(o.num * o.num) AS num2, sum(o.den * o.den) AS den2, sum(o.num * o.den) AS numden
    FROM (SELECT pk, urn, la_code, time_period, measure, sum(num) AS num, sum(den) AS den, max(scale) AS scale
          FROM results WHERE urn IS NOT NULL GROUP BY ALL) o
    LEFT JOIN traits t ON t.pk = o.pk AND t.time_period = o.time_period
    GROUP BY ALL
),
la_results AS (
    SELECT o.la_code, o.time_period, o.measure,
           t.pk IS NOT NULL AS has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
           count(*) AS pupils, sum(o.num) AS num, sum(o.den) AS den, max(o.scale) AS scale,
           sum(o.num * o.num) AS num2, sum(o.den * o.den) AS den2, sum(o.num * o.den) AS numden
    FROM (SELECT pk, la_code, time_period, measure, sum(num) AS num, sum(den) AS den, max(scale) AS scale
          FROM results GROUP BY ALL) o
    LEFT JOIN traits t ON t.pk = o.pk AND t.time_period = o.time_period
    GROUP BY ALL
),
-- Attendance: both measures of a pupil in one row, summed over the pupil's
-- rows at the school (or in the LA): absent over possible sessions, and
-- persistent absence over the pupil's rows.
attendance AS (
    SELECT md5_number(pupil_key) AS pk, time_period, urn, la_code,
           sessions_absent, sessions_possible, CAST(persistent_absentee AS INTEGER) AS persistent
    FROM mart.attendance WHERE sessions_possible > 0
),
school_attendance AS (
    SELECT o.urn, o.la_code, o.time_period,
           t.pk IS NOT NULL AS has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
           count(*) AS pupils,
           sum(o.an) AS an, sum(o.ad) AS ad, sum(o.an * o.an) AS an2, sum(o.ad * o.ad) AS ad2, sum(o.an * o.ad) AS anad,
           sum(o.pn) AS pn, sum(o.pd) AS pd, sum(o.pn * o.pn) AS pn2, sum(o.pd * o.pd) AS pd2, sum(o.pn * o.pd) AS pnpd
    FROM (SELECT pk, urn, la_code, time_period,
                 CAST(sum(sessions_absent) AS DOUBLE) AS an, CAST(sum(sessions_possible) AS DOUBLE) AS ad,
                 CAST(sum(persistent) AS DOUBLE) AS pn, CAST(count(*) AS DOUBLE) AS pd
          FROM attendance WHERE urn IS NOT NULL GROUP BY ALL) o
    LEFT JOIN traits t ON t.pk = o.pk AND t.time_period = o.time_period
    GROUP BY ALL
),
la_attendance AS (
    SELECT o.la_code, o.time_period,
           t.pk IS NOT NULL AS has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
           count(*) AS pupils,
           sum(o.an) AS an, sum(o.ad) AS ad, sum(o.an * o.an) AS an2, sum(o.ad * o.ad) AS ad2, sum(o.an * o.ad) AS anad,
           sum(o.pn) AS pn, sum(o.pd) AS pd, sum(o.pn * o.pn) AS pn2, sum(o.pd * o.pd) AS pd2, sum(o.pn * o.pd) AS pnpd
    FROM (SELECT pk, la_code, time_period,
                 CAST(sum(sessions_absent) AS DOUBLE) AS an, CAST(sum(sessions_possible) AS DOUBLE) AS ad,
                 CAST(sum(persistent) AS DOUBLE) AS pn, CAST(count(*) AS DOUBLE) AS pd
          FROM attendance GROUP BY ALL) o
    LEFT JOIN traits t ON t.pk = o.pk AND t.time_period = o.time_period
    GROUP BY ALL
),
-- Exclusions: every pupil on roll in a year with exclusions data, at the
-- school of the census, with their suspensions and permanent exclusions.
excl AS (
    SELECT md5_number(pupil_key) AS pk, time_period, sum(suspensions) AS suspensions, sum(permanent_exclusions) AS perms
    FROM mart.exclusions WHERE level = 'pupil' GROUP BY ALL
),
excl_pupils AS (
    SELECT t.*, CAST(coalesce(e.suspensions, 0) AS DOUBLE) AS s,
           CASE WHEN coalesce(e.suspensions, 0) > 0 THEN 1.0 ELSE 0.0 END AS o,
           CAST(coalesce(e.perms, 0) AS DOUBLE) AS p
    FROM traits t
    SEMI JOIN (SELECT DISTINCT time_period FROM mart.exclusions) y ON y.time_period = t.time_period
    LEFT JOIN excl e ON e.pk = t.pk AND e.time_period = t.time_period
),
excl_combos AS (
    SELECT level, urn, la_code, time_period, true AS has_census, disadvantaged, sen_status, eal, gender,
           count(*) AS pupils, sum(s) AS sn, sum(s * s) AS sn2, sum(o) AS onum, sum(p) AS pnum, sum(p * p) AS pn2
    FROM (SELECT 'school' AS level, * FROM excl_pupils WHERE urn IS NOT NULL
          UNION ALL
          SELECT 'la', * REPLACE (CAST(NULL AS INTEGER) AS urn) FROM excl_pupils)
    GROUP BY ALL
),
combos AS (
    SELECT 'school' AS level, * FROM school_results
    UNION ALL BY NAME
    SELECT 'la' AS level, CAST(NULL AS INTEGER) AS urn, * FROM la_results
    UNION ALL BY NAME
    SELECT level, urn, la_code, time_period, m.measure, has_census, disadvantaged, sen_status, eal, gender, pupils,
           CASE m.measure WHEN 'overall_absence_rate' THEN an ELSE pn END AS num,
           CASE m.measure WHEN 'overall_absence_rate' THEN ad ELSE pd END AS den,
           100 AS scale,
           CASE m.measure WHEN 'overall_absence_rate' THEN an2 ELSE pn2 END AS num2,
           CASE m.measure WHEN 'overall_absence_rate' THEN ad2 ELSE pd2 END AS den2,
           CASE m.measure WHEN 'overall_absence_rate' THEN anad ELSE pnpd END AS numden
    FROM (SELECT 'school' AS level, * FROM school_attendance
          UNION ALL BY NAME SELECT 'la' AS level, CAST(NULL AS INTEGER) AS urn, * FROM la_attendance)
    CROSS JOIN (VALUES ('overall_absence_rate'), ('persistent_absence_rate')) m(measure)
    UNION ALL BY NAME
    SELECT level, urn, la_code, time_period, m.measure, has_census, disadvantaged, sen_status, eal, gender, pupils,
           CASE m.measure WHEN 'suspension_rate' THEN sn WHEN 'one_plus_suspension_rate' THEN onum ELSE pnum END AS num,
           CAST(pupils AS DOUBLE) AS den,
           100 AS scale,
           CASE m.measure WHEN 'suspension_rate' THEN sn2 WHEN 'one_plus_suspension_rate' THEN onum ELSE pn2 END AS num2,
           CAST(pupils AS DOUBLE) AS den2,
           CASE m.measure WHEN 'suspension_rate' THEN sn WHEN 'one_plus_suspension_rate' THEN onum ELSE pnum END AS numden
    FROM excl_combos
    CROSS JOIN (VALUES ('suspension_rate'), ('one_plus_suspension_rate'), ('permanent_exclusion_rate')) m(measure)
),
tagged AS (
    SELECT level, urn, la_code, time_period, measure, pupils, num, den, scale, num2, den2, numden,
           unnest(CASE WHEN has_census THEN [
               'all',
               CASE WHEN disadvantaged THEN 'disadvantaged' WHEN NOT disadvantaged THEN 'not_disadvantaged' END,
               CASE sen_status WHEN 'SEN support' THEN 'sen_support' WHEN 'EHC plan' THEN 'ehcp' WHEN 'No SEN' THEN 'no_sen' END,
               CASE WHEN sen_status IN ('SEN support', 'EHC plan') THEN 'any_sen' END,
               CASE WHEN eal THEN 'eal' WHEN NOT eal THEN 'english_first' END,
               CASE gender WHEN 'M' THEN 'boys' WHEN 'F' THEN 'girls' END
           ] ELSE ['all'] END) AS pupil_group
    FROM combos
)
SELECT level, urn, la_code, time_period, measure, pupil_group,
       CAST(sum(pupils) AS BIGINT) AS pupils,
       round(max(scale) * sum(num) / nullif(sum(den), 0), 9) AS value,
       sum(num) AS num, sum(den) AS den, max(scale) AS scale,
       sum(num2) AS num2, sum(den2) AS den2, sum(numden) AS numden
FROM tagged WHERE pupil_group IS NOT NULL
GROUP BY level, urn, la_code, time_period, measure, pupil_group
