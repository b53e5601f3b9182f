-- Which cells of the published gaps (stg.gaps_pupil, stg.gap_index) are
-- hidden, so that no figure about fewer than suppress_below pupils can be
-- read or worked out from what mart.gaps publishes.
--
-- A cell is one pupil group of one unit (a school or the LA), year and
-- measure; every unit has every group, a group with no pupils as a cell of
-- 0 pupils (an absent row would tell that the group is empty). A gaps row
-- shows two cells (group and reference) and is suppressed when either is
-- hidden. The figures published add up, and a hidden cell must not follow
-- from them:
--  - within a unit: any SEN = SEN support + EHC plan; and the unit's total
--    ('all', published elsewhere: taken as known) = disadvantaged + other
--    = EAL + English = boys + girls = SEN support + EHC plan + no SEN =
--    any SEN + no SEN;
--  - across an LA: the LA cell = the sum of its schools' cells, group by
--    group.
-- In each of these sums the hidden cells with pupils must number 0 or at
-- least 2 (a cell of 0 pupils, or one holding all of the pupils of a unit
-- of at least suppress_below pupils, counts as known: it protects nothing),
-- and
-- hidden cells must not be shown empty or full by their sum: when the
-- hidden cells' outcomes add up to 0 (or, for a percentage of pupils or
-- sessions, to every pupil or session), each hidden value is 0 (or 100%),
-- so one more cell with some of the outcome is hidden. The one exception is
-- the unit's total itself: a school where no pupil was excluded publishes
-- that (mart.exclusions), and so every group's 0 with it.
--
-- How: start from the primary rule (a cell of fewer than suppress_below
-- pupils is hidden), then repeat, LA by LA, year by year and measure by
-- measure, until nothing changes:
--  1. disadvantaged/other, EAL/English and boys/girls are one row: hide both
--     or neither;
--  2. any SEN or no SEN hidden: hide all four SEN cells (else any SEN = all -
--     no SEN); one of SEN support and EHC plan hidden: hide the other too if
--     it has pupils, else all four; both hidden with outcomes adding up to 0
--     or full: hide all four;
--  3. in each group of an LA, a lone hidden school cell (or a hidden LA cell
--     with no hidden school cell) hides the school cell with the fewest
--     pupils; hidden school cells adding up to 0 or full hide the smallest
--     school cell that has some of the outcome, or the LA cell if none has.
-- The check gaps_suppression_recoverable tests the result on every run.
-- depends: stg.gap_cells, stg.gap_index_cells
-- check: not_null level, la_code, time_period, measure, pupil_group, pupils, hidden
-- check: unique level, urn, la_code, time_period, measure, pupil_group
WITH RECURSIVE groups(pupil_group) AS (VALUES
    ('disadvantaged'), ('not_disadvantaged'), ('sen_support'), ('ehcp'), ('no_sen'), ('any_sen'),
    ('eal'), ('english_first'), ('boys'), ('girls')
),
units AS (
    SELECT level, urn, la_code, time_period, measure FROM stg.gap_cells WHERE pupil_group = 'all'
),
cells AS (
    SELECT u.level, u.urn, u.la_code, u.time_period, u.measure, g.pupil_group,
           coalesce(c.pupils, 0) AS pupils, coalesce(c.num, 0) AS num, coalesce(c.den, 0) AS den
    FROM units u CROSS JOIN groups g
    LEFT JOIN stg.gap_cells c ON c.level = u.level AND c.urn IS NOT DISTINCT FROM u.urn AND c.la_code = u.la_code
        AND c.time_period = u.time_period AND c.measure = u.measure AND c.pupil_group = g.pupil_group
    UNION ALL
    SELECT level, urn, la_code, time_period, measure, pupil_group, pupils, coalesce(num, 0), den
    FROM stg.gap_index_cells
),
whole AS (
    -- A group that holds all of its unit's pupils (the only one of its split
    -- of the unit with any) is the unit's total, known: it protects nothing,
    -- unless the unit is smaller than suppress_below.
    SELECT *, CASE pupil_group
        WHEN 'disadvantaged' THEN p_nd = 0 WHEN 'not_disadvantaged' THEN p_d = 0
        WHEN 'eal' THEN p_eng = 0 WHEN 'english_first' THEN p_eal = 0
        WHEN 'boys' THEN p_g = 0 WHEN 'girls' THEN p_b = 0
        WHEN 'sen_support' THEN p_e + p_ns = 0 WHEN 'ehcp' THEN p_ss + p_ns = 0
        WHEN 'any_sen' THEN p_ns = 0 WHEN 'no_sen' THEN p_ss + p_e = 0 END
        -- and only in a unit of at least suppress_below pupils: a smaller
        -- unit's total is itself suppressed wherever it is published
        AND greatest(p_d + p_nd, p_b + p_g, p_eal + p_eng, p_ss + p_e + p_ns) >= getvariable('edwh_suppress_below') AS whole
    FROM (
        SELECT *,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'disadvantaged') OVER u, 0) AS p_d,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'not_disadvantaged') OVER u, 0) AS p_nd,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'eal') OVER u, 0) AS p_eal,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'english_first') OVER u, 0) AS p_eng,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'boys') OVER u, 0) AS p_b,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'girls') OVER u, 0) AS p_g,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'sen_support') OVER u, 0) AS p_ss,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'ehcp') OVER u, 0) AS p_e,
            coalesce(sum(pupils) FILTER (WHERE pupil_group = 'no_sen') OVER u, 0) AS p_ns
        FROM cells
        WINDOW u AS (PARTITION BY level, urn, la_code, time_period, measure)
    )
),
state AS (
    SELECT level, urn, la_code, time_period, measure, pupil_group, pupils, num, den,
           -- protects: hidden, it would hide a figure (a cell of 0 pupils or
           -- a unit's total is known whether hidden or not)
           pupils > 0 AND NOT whole AS protects,
           -- A percentage of pupils or sessions cannot exceed 100: a sum of
           -- hidden cells that is full shows each hidden value.
           measure NOT LIKE '%average' AND measure NOT IN ('ks4_att8', 'ks4_p8', 'suspension_rate', 'permanent_exclusion_rate')
               AND measure NOT LIKE '%gap_index' AS bounded,
           pupils < getvariable('edwh_suppress_below') AS hidden,
           0 AS round, true AS changed
    FROM whole
    UNION ALL
    SELECT level, urn, la_code, time_period, measure, pupil_group, pupils, num, den, protects, bounded, new_hidden,
           round + 1,
           bool_or(new_hidden <> hidden) OVER (PARTITION BY la_code, time_period, measure)
    FROM (
        SELECT *,
            hidden
            -- 1. pairs shown in one row
            OR (pupil_group IN ('disadvantaged', 'not_disadvantaged') AND h_dis)
            OR (pupil_group IN ('eal', 'english_first') AND h_eal)
            OR (pupil_group IN ('boys', 'girls') AND h_sex)
            -- 2. SEN
            OR (pupil_group IN ('sen_support', 'ehcp', 'any_sen', 'no_sen') AND (
                    h_any_ns
                 OR (k_sse = 1 AND visible_sse = 0)
                 OR (k_sse >= 2 AND sse_pupils > 0 AND (sse_num = 0 OR (bounded AND sse_num >= sse_den)))))
            OR (pupil_group IN ('sen_support', 'ehcp') AND k_sse = 1 AND visible_sse = 1 AND protects)
            -- 3. across the LA's schools
            OR (level = 'school' AND coalesce(pos, 0) = 1 AND ((NOT la_hidden AND k_col = 1) OR (la_protects AND k_col = 0)))
            OR (level = 'school' AND coalesce(pos_nz, 0) = 1 AND NOT la_hidden AND k_col >= 2 AND col_zero)
            OR (level = 'la' AND k_col >= 2 AND col_zero AND n_nz = 0)
            AS new_hidden
        FROM (
            SELECT *,
                bool_or(hidden) FILTER (WHERE pupil_group IN ('disadvantaged', 'not_disadvantaged')) OVER u AS h_dis,
                bool_or(hidden) FILTER (WHERE pupil_group IN ('eal', 'english_first')) OVER u AS h_eal,
                bool_or(hidden) FILTER (WHERE pupil_group IN ('boys', 'girls')) OVER u AS h_sex,
                bool_or(hidden) FILTER (WHERE pupil_group IN ('any_sen', 'no_sen')) OVER u AS h_any_ns,
                count(*) FILTER (WHERE pupil_group IN ('sen_support', 'ehcp') AND hidden AND protects) OVER u AS k_sse,
                count(*) FILTER (WHERE pupil_group IN ('sen_support', 'ehcp') AND NOT hidden AND protects) OVER u AS visible_sse,
                sum(pupils) FILTER (WHERE pupil_group IN ('sen_support', 'ehcp') AND hidden) OVER u AS sse_pupils,
                sum(num) FILTER (WHERE pupil_group IN ('sen_support', 'ehcp') AND hidden) OVER u AS sse_num,
                sum(den) FILTER (WHERE pupil_group IN ('sen_support', 'ehcp') AND hidden) OVER u AS sse_den,
                coalesce(bool_or(hidden) FILTER (WHERE level = 'la') OVER c, false) AS la_hidden,
                coalesce(bool_or(hidden AND protects) FILTER (WHERE level = 'la') OVER c, false) AS la_protects,
                count(*) FILTER (WHERE level = 'school' AND hidden AND protects) OVER c AS k_col,
                coalesce(sum(pupils) FILTER (WHERE level = 'school' AND hidden) OVER c, 0) > 0
                    AND (coalesce(sum(num) FILTER (WHERE level = 'school' AND hidden) OVER c, 0) = 0
                         OR (bounded AND sum(num) FILTER (WHERE level = 'school' AND hidden) OVER c
                                         >= sum(den) FILTER (WHERE level = 'school' AND hidden) OVER c)) AS col_zero,
                count(*) FILTER (WHERE level = 'school' AND NOT hidden AND protects AND num > 0 AND NOT (bounded AND num >= den)) OVER c AS n_nz,
                CASE WHEN level = 'school' AND NOT hidden AND protects THEN
                    row_number() OVER (PARTITION BY la_code, time_period, measure, pupil_group,
                                       level = 'school' AND NOT hidden AND protects ORDER BY pupils, urn) END AS pos,
                CASE WHEN level = 'school' AND NOT hidden AND protects AND num > 0 AND NOT (bounded AND num >= den) THEN
                    row_number() OVER (PARTITION BY la_code, time_period, measure, pupil_group,
                                       level = 'school' AND NOT hidden AND protects AND num > 0 AND NOT (bounded AND num >= den)
                                       ORDER BY pupils, urn) END AS pos_nz
            FROM state
            WHERE changed AND round < 50
            WINDOW u AS (PARTITION BY level, urn, la_code, time_period, measure),
                   c AS (PARTITION BY la_code, time_period, measure, pupil_group)
        )
    )
)
SELECT level, urn, la_code, time_period, measure, pupil_group, pupils, hidden, round AS rounds
FROM state
-- Each LA, year and measure's last round: the one where nothing changed,
-- or the 50th. A partition's rows all share its changed flag, set in every
-- round before its last (round 0 by definition), so this filter finds the
-- rows a window's max(round) would, without a window over every round's
-- rows (9.5 million on a national year, 5 s).
WHERE NOT changed OR round = 50
