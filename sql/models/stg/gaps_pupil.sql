-- Gaps between pupil groups, from pupil data, at school and LA level, per
-- year and measure: gap = group_value - reference_value, so for attainment
-- a negative gap means the group is behind, and for absence and exclusion
-- rates a positive gap means the group is absent or excluded more.
--
-- Comparisons: disadvantaged_vs_other, sen_support_vs_no_sen,
-- ehcp_vs_no_sen, any_sen_vs_no_sen, eal_vs_english, boys_vs_girls.
--
-- Suppression, so that no figure about fewer than suppress_below pupils can
-- be read or worked out:
--  1. primary: a row whose group or reference has fewer pupils is
--     suppressed (values and pupil counts NULL);
--  2. within a school: SEN support + EHC plan = any SEN, so when exactly one
--     of the SEN support and EHC plan rows is suppressed the any-SEN row is
--     suppressed too (else the hidden one follows by subtraction);
--  3. across an LA's schools: the LA row is the sum of its schools, so when
--     exactly one school's row is suppressed for a measure, comparison and
--     year, the school row with the next fewest pupils is suppressed too.
-- depends: stg.gap_cells
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
           coalesce(g.pupils, 0) AS group_n, g.value AS group_value,
           coalesce(r.pupils, 0) AS reference_n, r.value AS reference_value
    FROM comparisons c
    JOIN stg.gap_cells g ON g.pupil_group = c.grp
    JOIN stg.gap_cells r ON r.pupil_group = c.ref AND r.level = g.level AND r.urn IS NOT DISTINCT FROM g.urn
                        AND r.la_code IS NOT DISTINCT FROM g.la_code AND r.time_period = g.time_period AND r.measure = g.measure
),
primary_ AS (
    SELECT *, least(group_n, reference_n) < getvariable('edwh_suppress_below') AS sup1
    FROM pairs
),
sen AS (
    -- Rule 2: any-SEN row of a school whose SEN support or EHC plan row
    -- (but not both) is suppressed.
    SELECT p.*,
        p.sup1 OR (p.comparison = 'any_sen_vs_no_sen' AND
            (SELECT count(*) FILTER (WHERE q.sup1) FROM primary_ q
             WHERE q.level = p.level AND q.urn IS NOT DISTINCT FROM p.urn AND q.la_code IS NOT DISTINCT FROM p.la_code
               AND q.time_period = p.time_period AND q.measure = p.measure
               AND q.comparison IN ('sen_support_vs_no_sen', 'ehcp_vs_no_sen')) = 1) AS sup2
    FROM primary_ p
),
ranked AS (
    -- Rule 3: order each LA's school rows, suppressed first, then by size.
    SELECT *,
        count(*) FILTER (WHERE sup2) OVER w AS suppressed_in_la,
        row_number() OVER (PARTITION BY level, la_code, time_period, measure, comparison
                           ORDER BY sup2 DESC, least(group_n, reference_n), urn) AS pos
    FROM sen
    WINDOW w AS (PARTITION BY level, la_code, time_period, measure, comparison)
),
final AS (
    SELECT *, sup2 OR (level = 'school' AND suppressed_in_la = 1 AND pos = 2) AS suppressed
    FROM ranked
)
SELECT level, urn, la_code, time_period, measure, comparison,
       CASE WHEN suppressed THEN NULL ELSE group_n END          AS group_n,
       CASE WHEN suppressed THEN NULL ELSE group_value END      AS group_value,
       CASE WHEN suppressed THEN NULL ELSE reference_n END      AS reference_n,
       CASE WHEN suppressed THEN NULL ELSE reference_value END  AS reference_value,
       CASE WHEN suppressed THEN NULL ELSE group_value - reference_value END AS gap,
       CAST(NULL AS DOUBLE) AS gap_index,
       suppressed
FROM final
