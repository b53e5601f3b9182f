-- Gaps between pupil groups, from pupil data, at school and LA level, per
-- year and measure: gap = group_value - reference_value, so for attainment
-- a negative gap means the group is behind, and for absence and exclusion
-- rates a positive gap means the group is absent or excluded more.
--
-- Comparisons: disadvantaged_vs_other, sen_support_vs_no_sen,
-- ehcp_vs_no_sen, any_sen_vs_no_sen, eal_vs_english, boys_vs_girls.
--
-- Suppression (stg.gap_suppression): a row is suppressed (values and
-- pupil counts NULL) when either of its groups is hidden there: groups of
-- fewer than suppress_below pupils, and the groups from which one of them
-- could be worked out. Every school and the LA have a row for every
-- comparison of every measure they have, a group with no pupils included
-- (suppressed): a missing row would say the group is empty.
-- depends: stg.gap_cells, stg.gap_suppression
-- check: not_null level, measure, comparison, suppressed
-- check: unique level, urn, la_code, time_period, measure, comparison
WITH comparisons(comparison, grp, ref) AS (VALUES
    ('disadvantaged_vs_other', 'disadvantaged', 'not_disadvantaged'),
    ('sen_support_vs_no_sen', 'sen_support', 'no_sen'),
    ('ehcp_vs_no_sen', 'ehcp', 'no_sen'),
    ('any_sen_vs_no_sen', 'any_sen', 'no_sen'),
    ('eal_vs_english', 'eal', 'english_first'),
    ('boys_vs_girls', 'boys', 'girls')
),
pairs AS (
    SELECT g.level, g.urn, g.la_code, g.time_period, g.measure, c.comparison,
           g.pupils AS group_n, gc.value AS group_value,
           r.pupils AS reference_n, rc.value AS reference_value,
           g.hidden OR r.hidden AS suppressed
    FROM comparisons c
    JOIN stg.gap_suppression g ON g.pupil_group = c.grp
    JOIN stg.gap_suppression r ON r.pupil_group = c.ref AND r.level = g.level AND r.urn IS NOT DISTINCT FROM g.urn
                        AND r.la_code = g.la_code AND r.time_period = g.time_period AND r.measure = g.measure
    LEFT JOIN stg.gap_cells gc ON gc.pupil_group = g.pupil_group AND gc.level = g.level AND gc.urn IS NOT DISTINCT FROM g.urn
                        AND gc.la_code = g.la_code AND gc.time_period = g.time_period AND gc.measure = g.measure
    LEFT JOIN stg.gap_cells rc ON rc.pupil_group = r.pupil_group AND rc.level = r.level AND rc.urn IS NOT DISTINCT FROM r.urn
                        AND rc.la_code = r.la_code AND rc.time_period = r.time_period AND rc.measure = r.measure
    -- (stg.gap_suppression also holds the gap index's cells: stg.gap_index)
    WHERE g.measure IN (SELECT measure FROM stg.gap_cells)
)
SELECT level, urn, la_code, time_period, measure, comparison,
       CASE WHEN suppressed THEN NULL ELSE group_n END          AS group_n,
       CASE WHEN suppressed THEN NULL ELSE group_value END      AS group_value,
       CASE WHEN suppressed THEN NULL ELSE reference_n END      AS reference_n,
       CASE WHEN suppressed THEN NULL ELSE reference_value END  AS reference_value,
       CASE WHEN suppressed THEN NULL ELSE group_value - reference_value END AS gap,
       CAST(NULL AS DOUBLE) AS gap_index,
       suppressed
FROM pairs
