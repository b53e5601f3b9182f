-- The value of each measure for each pupil group, at school and LA level,
-- per year, before suppression: pupils, value = scale * sum(num) / sum(den),
-- with num, den and scale kept so that years and schools can be pooled, and
-- the sums of squares num2 = sum(num^2), den2 = sum(den^2) and numden =
-- sum(num x den) over the cell's pupils, from which the sampling variance of
-- a pooled value can be worked out (mart.intervention_effects uses them).
-- A pupil's groups come from the census of that year (mart.pupils): a pupil
-- with no census record that year counts only in 'all'.
--
-- Measures, each a pupil's num over den:
--   phonics_expected, ks1_rwm_expected, ks2_rwm_expected, ks2_rwm_high,
--   ks2_read_average, ks2_mat_average, ks4_att8, ks4_p8, ks4_eng_mat_94,
--   ks4_eng_mat_95                    see stg.gap_pupil_results
--   overall_absence_rate              absent sessions over possible sessions
--   persistent_absence_rate           % of pupils persistently absent
--   suspension_rate                   suspensions per 100 pupils on roll
--   one_plus_suspension_rate          % of pupils on roll with a suspension
--   permanent_exclusion_rate          permanent exclusions per 100 pupils
-- Results and attendance count at the school of the record; exclusion rates
-- at the school of the census, over every pupil on roll in a year that has
-- exclusions data.
--
-- How: stg.gap_results, stg.gap_attendance (and their _la models) and
-- stg.gap_exclusions sum pupils into one row per school (or LA), year and
-- combination of characteristics (disadvantaged, SEN status, EAL, gender);
-- here attendance and exclusions are given a row per measure, and those few
-- rows are spread over the groups each combination belongs to.
-- depends: stg.gap_results, stg.gap_results_la, stg.gap_attendance, stg.gap_attendance_la, stg.gap_exclusions
-- check: not_null level, measure, pupil_group, pupils
-- check: accepted_values scale = 1, 100
WITH combos AS (
    SELECT * FROM stg.gap_results
    UNION ALL BY NAME
    SELECT * FROM stg.gap_results_la
    UNION ALL BY NAME
    SELECT level, urn, la_code, time_period, m.measure, has_census, disadvantaged, sen_status, eal, gender, pupils,
           CASE m.measure WHEN 'overall_absence_rate' THEN an ELSE pn END AS num,
           CASE m.measure WHEN 'overall_absence_rate' THEN ad ELSE pd END AS den,
           100 AS scale,
           CASE m.measure WHEN 'overall_absence_rate' THEN an2 ELSE pn2 END AS num2,
           CASE m.measure WHEN 'overall_absence_rate' THEN ad2 ELSE pd2 END AS den2,
           CASE m.measure WHEN 'overall_absence_rate' THEN anad ELSE pnpd END AS numden
    FROM (SELECT * FROM stg.gap_attendance UNION ALL BY NAME SELECT * FROM stg.gap_attendance_la)
    CROSS JOIN (VALUES ('overall_absence_rate'), ('persistent_absence_rate')) m(measure)
    UNION ALL BY NAME
    SELECT level, urn, la_code, time_period, m.measure, has_census, disadvantaged, sen_status, eal, gender, pupils,
           CASE m.measure WHEN 'suspension_rate' THEN sn WHEN 'one_plus_suspension_rate' THEN onum ELSE pnum END AS num,
           CAST(pupils AS DOUBLE) AS den,
           100 AS scale,
           CASE m.measure WHEN 'suspension_rate' THEN sn2 WHEN 'one_plus_suspension_rate' THEN onum ELSE pn2 END AS num2,
           CAST(pupils AS DOUBLE) AS den2,
           CASE m.measure WHEN 'suspension_rate' THEN sn WHEN 'one_plus_suspension_rate' THEN onum ELSE pnum END AS numden
    FROM stg.gap_exclusions
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
