-- check: gaps_suppression_recoverable
-- severity: error
-- model: mart.gaps
-- description: No figure of mart.gaps computed from pupil data is about fewer than suppress_below pupils, and no suppressed figure can be worked out from the rows published: in every sum the figures make (the LA = its schools, group by group; any SEN = SEN support + EHC plan; a school's or the LA's pupils = disadvantaged + other = EAL + English = boys + girls = SEN support + EHC plan + no SEN = any SEN + no SEN) the hidden groups with pupils (other than a group holding all of the pupils of a school of at least suppress_below pupils, which is the school's total) are never exactly one, and hidden groups never add up to an outcome of 0 or 100% beside a published total. A group missing from mart.gaps counts as published (a missing row tells that the group is empty). Each row is one sum that gives a figure away; a failure stops the run before anything is published.
WITH shown AS (
    -- Each cell of mart.gaps: visible when a row showing it is published.
    SELECT level, urn, la_code, time_period, measure, cell, bool_or(NOT suppressed) AS visible
    FROM (
        SELECT level, urn, la_code, time_period, measure, suppressed,
               unnest([split_part(comparison, '_vs_', 1), split_part(comparison, '_vs_', 2)]) AS cell
        FROM mart.gaps WHERE source = 'pupil_data'
    )
    GROUP BY ALL
),
named AS (
    SELECT * REPLACE (CASE cell WHEN 'disadvantaged' THEN 'disadvantaged' WHEN 'other' THEN 'not_disadvantaged'
                                WHEN 'sen_support' THEN 'sen_support' WHEN 'ehcp' THEN 'ehcp' WHEN 'any_sen' THEN 'any_sen'
                                WHEN 'no_sen' THEN 'no_sen' WHEN 'eal' THEN 'eal' WHEN 'english' THEN 'english_first'
                                WHEN 'boys' THEN 'boys' WHEN 'girls' THEN 'girls' END AS cell)
    FROM shown
),
truth AS (
    SELECT level, urn, la_code, time_period, measure, pupil_group AS cell, pupils, num, den FROM stg.gap_cells WHERE pupil_group <> 'all'
    UNION ALL
    SELECT level, urn, la_code, time_period, measure, pupil_group, pupils, num, den FROM stg.gap_index_cells
),
cells AS (
    SELECT coalesce(t.level, n.level) AS level, coalesce(t.urn, n.urn) AS urn, coalesce(t.la_code, n.la_code) AS la_code,
           coalesce(t.time_period, n.time_period) AS time_period, coalesce(t.measure, n.measure) AS measure,
           coalesce(t.cell, n.cell) AS cell, coalesce(t.pupils, 0) AS pupils, coalesce(t.num, 0) AS num, coalesce(t.den, 0) AS den,
           coalesce(n.visible, true) AS visible,
           coalesce(t.measure, n.measure) NOT LIKE '%average' AND coalesce(t.measure, n.measure) NOT LIKE '%gap_index'
               AND coalesce(t.measure, n.measure) NOT IN ('ks4_att8', 'ks4_p8', 'suspension_rate', 'permanent_exclusion_rate') AS bounded
    FROM truth t
    FULL JOIN named n ON n.level = t.level AND n.urn IS NOT DISTINCT FROM t.urn AND n.la_code = t.la_code
        AND n.time_period = t.time_period AND n.measure = t.measure AND n.cell = t.cell
),
known AS (
    -- A group holding all the pupils of a unit of at least suppress_below
    -- pupils is the unit's total: known. (A smaller unit's total is itself
    -- suppressed wherever it is published.)
    SELECT *, pupils > 0 AND NOT (CASE cell
        WHEN 'disadvantaged' THEN p_nd = 0 WHEN 'not_disadvantaged' THEN p_d = 0
        WHEN 'eal' THEN p_eng = 0 WHEN 'english_first' THEN p_eal = 0
        WHEN 'boys' THEN p_g = 0 WHEN 'girls' THEN p_b = 0
        WHEN 'sen_support' THEN p_e + p_ns = 0 WHEN 'ehcp' THEN p_ss + p_ns = 0
        WHEN 'any_sen' THEN p_ns = 0 WHEN 'no_sen' THEN p_ss + p_e = 0 ELSE false END
        AND greatest(p_d + p_nd, p_b + p_g, p_eal + p_eng, p_ss + p_e + p_ns) >= getvariable('edwh_suppress_below')) AS protects,
           greatest(p_d + p_nd, p_b + p_g, p_eal + p_eng, p_ss + p_e + p_ns) < getvariable('edwh_suppress_below') AS small_unit
    FROM (
        SELECT *,
            coalesce(sum(pupils) FILTER (WHERE cell = 'disadvantaged') OVER u, 0) AS p_d,
            coalesce(sum(pupils) FILTER (WHERE cell = 'not_disadvantaged') OVER u, 0) AS p_nd,
            coalesce(sum(pupils) FILTER (WHERE cell = 'eal') OVER u, 0) AS p_eal,
            coalesce(sum(pupils) FILTER (WHERE cell = 'english_first') OVER u, 0) AS p_eng,
            coalesce(sum(pupils) FILTER (WHERE cell = 'boys') OVER u, 0) AS p_b,
            coalesce(sum(pupils) FILTER (WHERE cell = 'girls') OVER u, 0) AS p_g,
            coalesce(sum(pupils) FILTER (WHERE cell = 'sen_support') OVER u, 0) AS p_ss,
            coalesce(sum(pupils) FILTER (WHERE cell = 'ehcp') OVER u, 0) AS p_e,
            coalesce(sum(pupils) FILTER (WHERE cell = 'no_sen') OVER u, 0) AS p_ns
        FROM cells
        WINDOW u AS (PARTITION BY level, urn, la_code, time_period, measure)
    )
),
within_unit(sum_name, cell, is_total) AS (VALUES
    ('any_sen = sen_support + ehcp', 'any_sen', true), ('any_sen = sen_support + ehcp', 'sen_support', false),
    ('any_sen = sen_support + ehcp', 'ehcp', false),
    ('all = sen_support + ehcp + no_sen', 'sen_support', false), ('all = sen_support + ehcp + no_sen', 'ehcp', false),
    ('all = sen_support + ehcp + no_sen', 'no_sen', false),
    ('all = any_sen + no_sen', 'any_sen', false), ('all = any_sen + no_sen', 'no_sen', false),
    ('all = disadvantaged + other', 'disadvantaged', false), ('all = disadvantaged + other', 'not_disadvantaged', false),
    ('all = eal + english', 'eal', false), ('all = eal + english', 'english_first', false),
    ('all = boys + girls', 'boys', false), ('all = boys + girls', 'girls', false)
),
sums AS (
    SELECT c.level, c.urn, c.la_code, c.time_period, c.measure, w.sum_name, w.is_total, c.*
        EXCLUDE (level, urn, la_code, time_period, measure)
    FROM known c JOIN within_unit w ON w.cell = c.cell
    UNION ALL
    SELECT 'la', NULL, la_code, time_period, measure, 'la = sum of schools: ' || cell, level = 'la', c.*
        EXCLUDE (level, urn, la_code, time_period, measure)
    FROM known c
),
judged AS (
    SELECT level, urn, la_code, time_period, measure, sum_name,
           -- in a sum over a unit's total ('all = ...'), the total of a unit
           -- smaller than suppress_below is not known: nothing follows from it
           CASE WHEN sum_name LIKE 'all =%' AND bool_or(small_unit) THEN 0
                ELSE count(*) FILTER (WHERE NOT visible AND protects) END AS hidden_cells,
           coalesce(bool_or(visible) FILTER (WHERE is_total), true) AND sum_name NOT LIKE 'all =%' AS total_shown,
           sum(pupils) FILTER (WHERE NOT visible AND NOT is_total) AS hidden_pupils,
           sum(num) FILTER (WHERE NOT visible AND NOT is_total) AS hidden_num,
           sum(den) FILTER (WHERE NOT visible AND NOT is_total) AS hidden_den,
           bool_or(bounded) AS bounded,
           count(*) FILTER (WHERE visible AND pupils > 0 AND pupils < getvariable('edwh_suppress_below')) AS small_shown
    FROM sums
    GROUP BY level, urn, la_code, time_period, measure, sum_name
)
SELECT level, urn, la_code, time_period, measure, sum_name,
       CASE WHEN small_shown > 0 THEN 'a group of fewer than suppress_below pupils is shown'
            WHEN hidden_cells = 1 THEN 'one hidden group: it is the total less the others'
            ELSE 'the hidden groups add up to an outcome of 0 or 100%: each is 0 or 100%' END AS problem
FROM judged
WHERE small_shown > 0
   OR hidden_cells = 1
   OR (total_shown AND hidden_pupils > 0 AND (hidden_num = 0 OR (bounded AND hidden_num >= hidden_den)))
