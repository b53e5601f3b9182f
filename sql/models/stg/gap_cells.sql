-- The value of each measure for each pupil group, at school and LA level,
-- per year, before suppression: pupils, value = scale * sum(num) / sum(den),
-- with num, den and scale kept so that years and schools can be pooled, and
-- the sums of squares num2 = sum(num^2), den2 = sum(den^2) and numden =
-- sum(num x den) over the cell's pupils, from which the sampling variance of
-- a pooled value can be worked out (mart.intervention_effects uses them).
-- A pupil's groups come from the census of that year (mart.pupils): a pupil
-- with no census record that year counts only in 'all'.
-- depends: stg.pupil_outcomes, mart.pupils
-- check: not_null level, measure, pupil_group, pupils
WITH school_pupil AS (
    -- One row per pupil, school, year and measure (a pupil may have two
    -- attendance rows at one school), so counting rows counts pupils.
    SELECT pupil_key, urn, la_code, time_period, measure, sum(num) AS num, sum(den) AS den, max(scale) AS scale
    FROM stg.pupil_outcomes WHERE urn IS NOT NULL
    GROUP BY ALL
),
la_pupil AS (
    SELECT pupil_key, la_code, time_period, measure, sum(num) AS num, sum(den) AS den, max(scale) AS scale
    FROM stg.pupil_outcomes
    GROUP BY ALL
),
groups AS (
    SELECT pupil_key, time_period, [
        'all',
        CASE WHEN disadvantaged THEN 'disadvantaged' WHEN NOT disadvantaged THEN 'not_disadvantaged' END,
        CASE sen_status WHEN 'SEN support' THEN 'sen_support' WHEN 'EHC plan' THEN 'ehcp' WHEN 'No SEN' THEN 'no_sen' END,
        CASE WHEN sen_status IN ('SEN support', 'EHC plan') THEN 'any_sen' END,
        CASE WHEN eal THEN 'eal' WHEN NOT eal THEN 'english_first' END,
        CASE gender WHEN 'M' THEN 'boys' WHEN 'F' THEN 'girls' END
    ] AS pupil_groups
    FROM mart.pupils
),
school_tagged AS (
    SELECT o.*, unnest(coalesce(g.pupil_groups, ['all'])) AS pupil_group
    FROM school_pupil o LEFT JOIN groups g ON g.pupil_key = o.pupil_key AND g.time_period = o.time_period
),
la_tagged AS (
    SELECT o.*, unnest(coalesce(g.pupil_groups, ['all'])) AS pupil_group
    FROM la_pupil o LEFT JOIN groups g ON g.pupil_key = o.pupil_key AND g.time_period = o.time_period
)
SELECT 'school' AS level, urn, la_code, time_period, measure, pupil_group,
       count(*) AS pupils, max(scale) * sum(num) / nullif(sum(den), 0) AS value,
       sum(num) AS num, sum(den) AS den, max(scale) AS scale,
       sum(num * num) AS num2, sum(den * den) AS den2, sum(num * den) AS numden
FROM school_tagged WHERE pupil_group IS NOT NULL
GROUP BY urn, la_code, time_period, measure, pupil_group
UNION ALL
SELECT 'la', NULL, la_code, time_period, measure, pupil_group,
       count(*), max(scale) * sum(num) / nullif(sum(den), 0),
       sum(num), sum(den), max(scale),
       sum(num * num), sum(den * den), sum(num * den)
FROM la_tagged WHERE pupil_group IS NOT NULL
GROUP BY la_code, time_period, measure, pupil_group
