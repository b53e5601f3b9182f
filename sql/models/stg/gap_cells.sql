-- The value of each measure for each pupil group, at school and LA level,
-- per year, before suppression: pupils, value = scale * sum(num) / sum(den),
-- with num, den and scale kept so that years and schools can be pooled, and
-- the sums of squares num2 = sum(num^2), den2 = sum(den^2) and numden =
-- sum(num x den) over the cell's pupils, from which the sampling variance of
-- a pooled value can be worked out (mart.intervention_effects uses them).
-- A pupil's groups come from the census of that year (mart.pupils): a pupil
-- with no census record that year counts only in 'all'.
--
-- How: pupils are first summed into one row per school (or LA), year,
-- measure and combination of characteristics (disadvantaged, SEN status,
-- EAL, gender), and only those few rows are spread over the groups each
-- combination belongs to. That gives the same sums as spreading every pupil
-- over their groups, for a fraction of the work at national scale. Pupils
-- are grouped and joined by md5_number(pupil_key), a 128-bit number, rather
-- than by the 64-character key: the same pupils (two keys colliding is a
-- 1 in 10^25 chance at national scale), a third less time.
-- depends: stg.pupil_outcomes, mart.pupils
-- check: not_null level, measure, pupil_group, pupils
WITH school_pupil AS (
    -- One row per pupil, school, year and measure (a pupil may have two
    -- attendance rows at one school), so counting rows counts pupils.
    SELECT md5_number(pupil_key) AS pk, urn, la_code, time_period, measure, sum(num) AS num, sum(den) AS den, max(scale) AS scale
    FROM stg.pupil_outcomes WHERE urn IS NOT NULL
    GROUP BY ALL
),
la_pupil AS (
    SELECT md5_number(pupil_key) AS pk, la_code, time_period, measure, sum(num) AS num, sum(den) AS den, max(scale) AS scale
    FROM stg.pupil_outcomes
    GROUP BY ALL
),
traits AS (
    SELECT md5_number(pupil_key) AS pk, time_period, disadvantaged, sen_status, eal, gender, true AS has_census
    FROM mart.pupils
),
-- One row per school, year, measure and combination of characteristics.
school_combos AS (
    SELECT o.urn, o.la_code, o.time_period, o.measure,
           t.has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
           count(*) AS pupils, sum(o.num) AS num, sum(o.den) AS den, max(o.scale) AS scale,
           sum(o.num * o.num) AS num2, sum(o.den * o.den) AS den2, sum(o.num * o.den) AS numden
    FROM school_pupil o LEFT JOIN traits t ON t.pk = o.pk AND t.time_period = o.time_period
    GROUP BY ALL
),
la_combos AS (
    SELECT CAST(NULL AS INTEGER) AS urn, o.la_code, o.time_period, o.measure,
           t.has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
           count(*) AS pupils, sum(o.num) AS num, sum(o.den) AS den, max(o.scale) AS scale,
           sum(o.num * o.num) AS num2, sum(o.den * o.den) AS den2, sum(o.num * o.den) AS numden
    FROM la_pupil o LEFT JOIN traits t ON t.pk = o.pk AND t.time_period = o.time_period
    GROUP BY ALL
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
    FROM (SELECT 'school' AS level, * FROM school_combos UNION ALL SELECT 'la', * FROM la_combos)
)
SELECT level, urn, la_code, time_period, measure, pupil_group,
       CAST(sum(pupils) AS BIGINT) AS pupils,
       -- value is rounded to 9 decimal places because sums of fractional
       -- scores computed in parallel differ in the 16th digit from run to
       -- run; ranks and gaps built on it must not.
       round(max(scale) * sum(num) / nullif(sum(den), 0), 9) AS value,
       sum(num) AS num, sum(den) AS den, max(scale) AS scale,
       sum(num2) AS num2, sum(den2) AS den2, sum(numden) AS numden
FROM tagged WHERE pupil_group IS NOT NULL
GROUP BY level, urn, la_code, time_period, measure, pupil_group
