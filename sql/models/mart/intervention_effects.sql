-- intervention_effects: what changed in the schools of each programme, and
-- how that compares with similar schools that were not in it.
--
-- For each programme (and each pair or triad, and each school in it), each
-- measure of stg.gap_cells, for all pupils, pupils with SEN (SEN
-- support or EHC plan) and disadvantaged pupils:
--   pre_value, post_value  the value over the pre and post windows (see
--                          stg.programme_schools), pooling pupils over the
--                          window's years and the schools in the row
--   delta                  post - pre, in the measure's own units: percentage
--                          points for rates and percentages, points for scores
--   pct_change             delta / pre x 100 (so "absence fell 10%" and "fell
--                          1 point" can both be read, with the rule on the row)
--   comparison_pre/post    the same for the comparison schools: those the
--                          register names with role 'comparison', else each
--                          school's neighbours_k most similar schools
--                          (mart.school_neighbours, in the pre year) that are
--                          not in the programme nor in another programme
--                          running over the windows
--   did                    difference in differences: delta - (comparison_post
--                          - comparison_pre)
--   ci_low, ci_high        95% interval of did: did -/+ 1.96 x se, where se
--                          is the larger of se_schools and se_pupils
--   se_schools             standard error from resampling schools:
--                          bootstrap_replicates resamples (participants and
--                          comparison schools each drawn with replacement;
--                          for a single school only its comparison schools
--                          vary, at most 200 resamples), seeded with
--                          bootstrap_seed so every run gives the same figure
--   se_pupils              standard error from the pupils alone: the
--                          sampling variance of each of the four pooled
--                          values (pupil-years taken as independent), summed
--   n_pre, n_post          pupil-years behind pre_value and post_value
--   comparison_schools     schools in the comparison group
-- Why two: resampling a handful of schools understates the uncertainty (on
-- the synthetic LA a school-bootstrap interval covered a placebo's zero
-- effect 84-93% of the time for programmes and pairs, 53% for one school),
-- while the pupils' sampling error is a floor the true uncertainty cannot go
-- below; taking the larger covered it 95-97% of the time (10 seeds, 3,100
-- rows). With real school-to-school shocks and few schools, se_schools can
-- still be too small: read intervals for one or two schools with care.
-- level is 'programme' (urn and group_id NULL), 'group' or 'school'. Rows
-- resting on fewer than suppress_below pupil-years in either window, in the
-- programme schools or in the comparison schools, are suppressed, and so
-- are the rows that would let them be worked out by subtraction (below).
-- depends: stg.programme_schools, stg.gap_cells, mart.school_neighbours
-- check: not_null programme, level, measure, pupil_group, method, suppressed
-- check: unique programme, level, group_id, urn, measure, pupil_group
WITH RECURSIVE settings AS (
    SELECT DISTINCT programme, start_period, pre_from, pre_to, post_from, post_to FROM stg.programme_schools
),
members AS (
    SELECT DISTINCT programme, urn, group_id FROM stg.programme_schools WHERE role IN ('participant', 'coach')
),
in_programme AS (
    SELECT DISTINCT programme, urn FROM stg.programme_schools
),
-- Comparison schools for each member school.
named AS (
    SELECT DISTINCT programme, urn AS comparison_urn FROM stg.programme_schools WHERE role = 'comparison'
),
-- Schools taking part in another programme at any time over this
-- programme's windows: their change carries that programme's effect, so
-- they are no comparison (two programmes starting the same year would
-- otherwise each subtract the other's effect).
busy AS (
    SELECT DISTINCT s.programme, o.urn
    FROM settings s
    JOIN stg.programme_schools o ON o.programme <> s.programme AND o.role IN ('participant', 'coach')
    WHERE coalesce(edwh_year_of(o.start_date), o.start_period) <= s.post_to
      AND (o.end_date IS NULL OR edwh_year_of(o.end_date) >= s.pre_from)
),
similar_schools AS (
    SELECT m.programme, m.urn, n.neighbour_urn AS comparison_urn
    FROM members m
    JOIN settings s USING (programme)
    JOIN mart.school_neighbours n ON n.urn = m.urn
       AND n.time_period = (SELECT max(time_period) FROM mart.school_neighbours x WHERE x.urn = m.urn AND x.time_period <= s.pre_to)
    WHERE n.neighbour_urn NOT IN (SELECT urn FROM in_programme i WHERE i.programme = m.programme)
      AND n.neighbour_urn NOT IN (SELECT urn FROM busy b WHERE b.programme = m.programme)
),
comparisons AS (
    SELECT m.programme, m.urn, c.comparison_urn, 'register' AS source
    FROM members m JOIN named c USING (programme)
    UNION ALL
    SELECT programme, urn, comparison_urn, 'similar schools' FROM similar_schools
    WHERE programme NOT IN (SELECT programme FROM named)
),
-- Each school's sums over each programme's windows.
windows AS (
    SELECT s.programme, c.urn, c.measure, c.pupil_group, max(c.scale) AS scale,
           sum(c.num) FILTER (WHERE c.time_period BETWEEN s.pre_from AND s.pre_to)    AS pre_num,
           sum(c.den) FILTER (WHERE c.time_period BETWEEN s.pre_from AND s.pre_to)    AS pre_den,
           sum(c.pupils) FILTER (WHERE c.time_period BETWEEN s.pre_from AND s.pre_to) AS pre_n,
           sum(c.num2) FILTER (WHERE c.time_period BETWEEN s.pre_from AND s.pre_to)   AS pre_num2,
           sum(c.den2) FILTER (WHERE c.time_period BETWEEN s.pre_from AND s.pre_to)   AS pre_den2,
           sum(c.numden) FILTER (WHERE c.time_period BETWEEN s.pre_from AND s.pre_to) AS pre_numden,
           sum(c.num2) FILTER (WHERE c.time_period BETWEEN s.post_from AND s.post_to)   AS post_num2,
           sum(c.den2) FILTER (WHERE c.time_period BETWEEN s.post_from AND s.post_to)   AS post_den2,
           sum(c.numden) FILTER (WHERE c.time_period BETWEEN s.post_from AND s.post_to) AS post_numden,
           sum(c.num) FILTER (WHERE c.time_period BETWEEN s.post_from AND s.post_to)  AS post_num,
           sum(c.den) FILTER (WHERE c.time_period BETWEEN s.post_from AND s.post_to)  AS post_den,
           sum(c.pupils) FILTER (WHERE c.time_period BETWEEN s.post_from AND s.post_to) AS post_n,
           string_agg(DISTINCT CASE WHEN c.time_period BETWEEN s.post_from AND s.post_to THEN edwh_year_label(c.time_period) END, ', '
                      ORDER BY CASE WHEN c.time_period BETWEEN s.post_from AND s.post_to THEN edwh_year_label(c.time_period) END) AS post_years
    FROM settings s
    JOIN stg.gap_cells c ON c.level = 'school' AND c.pupil_group IN ('all', 'any_sen', 'disadvantaged')
    GROUP BY s.programme, c.urn, c.measure, c.pupil_group
),
-- The units each row pools: 'p' (programme schools) and 'c' (comparison).
units AS (
    SELECT programme, 'programme' AS level, CAST(NULL AS VARCHAR) AS group_id, CAST(NULL AS INTEGER) AS urn, 'p' AS side, urn AS unit_urn
    FROM members
    UNION ALL
    SELECT DISTINCT c.programme, 'programme', NULL, NULL, 'c', c.comparison_urn FROM comparisons c
    UNION ALL
    SELECT programme, 'group', group_id, NULL, 'p', urn FROM members WHERE group_id IS NOT NULL
    UNION ALL
    SELECT DISTINCT m.programme, 'group', m.group_id, NULL, 'c', c.comparison_urn
    FROM members m JOIN comparisons c USING (programme, urn) WHERE m.group_id IS NOT NULL
    UNION ALL
    SELECT programme, 'school', group_id, urn, 'p', urn FROM members
    UNION ALL
    SELECT m.programme, 'school', m.group_id, m.urn, 'c', c.comparison_urn
    FROM members m JOIN comparisons c USING (programme, urn)
),
indexed AS (
    SELECT *, level || ':' || coalesce(group_id, '') || ':' || coalesce(CAST(urn AS VARCHAR), '') AS k,
              row_number() OVER (PARTITION BY programme, level, group_id, urn, side ORDER BY unit_urn) - 1 AS idx,
              count(*) OVER (PARTITION BY programme, level, group_id, urn, side) AS n_units
    FROM units
),
-- Point estimates, with the sums the pupils' sampling variance needs.
sums AS (
    SELECT i.programme, i.k, any_value(i.level) AS level, any_value(i.group_id) AS group_id, any_value(i.urn) AS urn,
           w.measure, w.pupil_group, i.side, max(w.scale) AS scale,
           sum(w.pre_num) AS pre_num, sum(w.pre_den) AS pre_den,
           sum(w.pre_num2) AS pre_num2, sum(w.pre_den2) AS pre_den2, sum(w.pre_numden) AS pre_numden,
           sum(w.post_num) AS post_num, sum(w.post_den) AS post_den,
           sum(w.post_num2) AS post_num2, sum(w.post_den2) AS post_den2, sum(w.post_numden) AS post_numden,
           sum(w.pre_n) AS pre_n, sum(w.post_n) AS post_n, count(DISTINCT i.unit_urn) AS schools,
           max(w.post_years) AS post_years
    FROM indexed i JOIN windows w ON w.programme = i.programme AND w.urn = i.unit_urn
    GROUP BY i.programme, i.k, w.measure, w.pupil_group, i.side
),
pooled AS (
    SELECT programme, k, level, group_id, urn, measure, pupil_group, side,
           scale * pre_num / nullif(pre_den, 0)   AS pre_value,
           scale * post_num / nullif(post_den, 0) AS post_value,
           pre_n, post_n, schools, post_years,
           -- Sampling variance of a pooled value R = sum(num) / sum(den)
           -- over n pupil-years taken as independent (the linearised
           -- variance of a ratio): sum((num - R den)^2) / sum(den)^2, times
           -- scale^2, with the sum expanded into the stored sums of squares.
           scale * scale * greatest(pre_num2 - 2 * (pre_num / pre_den) * pre_numden
                                    + (pre_num / pre_den) ^ 2 * pre_den2, 0) / nullif(pre_den ^ 2, 0)   AS pre_var,
           scale * scale * greatest(post_num2 - 2 * (post_num / post_den) * post_numden
                                    + (post_num / post_den) ^ 2 * post_den2, 0) / nullif(post_den ^ 2, 0) AS post_var
    FROM sums
),
-- Bootstrap: replicate b draws n_units units with replacement on each side,
-- by a seeded hash, so the same seed gives the same draws. The replicates'
-- sums run over millions of rows, so they are keyed by integers, not names:
-- kid for a programme's row (k), mid for a measure and pupil group, puid for
-- a school's windows in a programme, and pk for a row's side and replicate,
-- (kid * 2 + is_p) * replicates + b.
row_keys AS (
    SELECT programme, k, row_number() OVER (ORDER BY programme, k) AS kid
    FROM (SELECT DISTINCT programme, k FROM indexed)
),
measure_keys AS (
    -- scale is the measure's own (1 or 100), the same in every window
    SELECT measure, pupil_group, scale, row_number() OVER (ORDER BY measure, pupil_group) AS mid
    FROM (SELECT measure, pupil_group, max(scale) AS scale FROM windows GROUP BY ALL)
),
unit_keys AS (
    SELECT programme, urn, row_number() OVER (ORDER BY programme, urn) AS puid
    FROM (SELECT DISTINCT programme, urn FROM windows)
),
window_sums AS (
    SELECT u.puid, m.mid, w.pre_num, w.pre_den, w.post_num, w.post_den
    FROM windows w
    JOIN unit_keys u USING (programme, urn)
    JOIN measure_keys m USING (measure, pupil_group)
),
indexed_keys AS (
    SELECT r.kid, i.side = 'p' AS is_p, i.idx, u.puid
    FROM indexed i
    JOIN row_keys r USING (programme, k)
    JOIN unit_keys u ON u.programme = i.programme AND u.urn = i.unit_urn
),
draws AS (
    SELECT r.kid, i.side = 'p' AS is_p, b.b,
           hash(getvariable('edwh_bootstrap_seed'), i.programme, i.k, i.side, b.b, i.idx) % i.n_units AS pick
    FROM indexed i
    JOIN row_keys r USING (programme, k)
    CROSS JOIN (SELECT range AS b FROM range(CAST(getvariable('edwh_bootstrap_replicates') AS BIGINT))) b
    WHERE NOT (i.level = 'school' AND i.side = 'p')
      -- a single school's interval varies only its comparison schools: 200
      -- resamples of ten schools are plenty, and keep the LA run fast
      AND (i.level <> 'school' OR b.b < 200)
),
picked AS (
    -- how many times each unit was drawn in each replicate
    SELECT (d.kid * 2 + CAST(d.is_p AS BIGINT)) * CAST(getvariable('edwh_bootstrap_replicates') AS BIGINT) + d.b AS pk,
           u.puid, count(*) AS times
    FROM draws d
    JOIN indexed_keys u ON u.kid = d.kid AND u.is_p = d.is_p AND u.idx = d.pick
    GROUP BY ALL
),
resampled_sums AS (
    SELECT p.pk, w.mid,
           sum(p.times * w.pre_num) AS pre_num, sum(p.times * w.pre_den) AS pre_den,
           sum(p.times * w.post_num) AS post_num, sum(p.times * w.post_den) AS post_den
    FROM picked p
    JOIN window_sums w ON w.puid = p.puid
    GROUP BY p.pk, w.mid
),
resampled AS (
    SELECT s.pk // CAST(getvariable('edwh_bootstrap_replicates') AS BIGINT) // 2 AS kid,
           s.pk // CAST(getvariable('edwh_bootstrap_replicates') AS BIGINT) % 2 = 1 AS is_p,
           s.pk % CAST(getvariable('edwh_bootstrap_replicates') AS BIGINT) AS b,
           s.mid,
           m.scale * s.pre_num / nullif(s.pre_den, 0)   AS pre_value,
           m.scale * s.post_num / nullif(s.post_den, 0) AS post_value
    FROM resampled_sums s
    JOIN measure_keys m USING (mid)
),
fixed AS (
    SELECT r.kid, m.mid, f.pre_value, f.post_value
    FROM pooled f
    JOIN row_keys r USING (programme, k)
    JOIN measure_keys m USING (measure, pupil_group)
    WHERE f.side = 'p'
),
replicate_did AS (
    SELECT c.kid, c.mid, c.b,
           (coalesce(p.post_value, fixed.post_value) - coalesce(p.pre_value, fixed.pre_value)) - (c.post_value - c.pre_value) AS did
    FROM resampled c
    LEFT JOIN resampled p ON p.is_p AND p.kid = c.kid AND p.mid = c.mid AND p.b = c.b
    LEFT JOIN fixed ON fixed.kid = c.kid AND fixed.mid = c.mid
    WHERE NOT c.is_p
),
between_schools AS (
    SELECT r.programme, r.k, m.measure, m.pupil_group, d.var_between, d.replicates
    FROM (SELECT kid, mid, var_samp(did) AS var_between, count(did) AS replicates
          FROM replicate_did WHERE did IS NOT NULL
          GROUP BY kid, mid) d
    JOIN row_keys r USING (kid)
    JOIN measure_keys m USING (mid)
),
joined AS (
    SELECT p.programme, p.level, p.group_id, p.urn, p.measure, p.pupil_group,
           p.pre_value, p.post_value, p.pre_n, p.post_n, p.schools, p.post_years,
           c.pre_value AS comparison_pre, c.post_value AS comparison_post, c.schools AS comparison_schools,
           coalesce(least(c.pre_n, c.post_n), 0) < getvariable('edwh_suppress_below') AS comparison_small,
           sqrt(coalesce(i.var_between, 0)) AS se_between,
           sqrt(p.pre_var + p.post_var + c.pre_var + c.post_var) AS se_within,
           i.replicates
    FROM pooled p
    LEFT JOIN pooled c ON c.side = 'c' AND c.programme = p.programme AND c.k = p.k
                      AND c.measure = p.measure AND c.pupil_group = p.pupil_group
    LEFT JOIN between_schools i ON i.programme = p.programme AND i.k = p.k AND i.measure = p.measure AND i.pupil_group = p.pupil_group
    WHERE p.side = 'p'
),
-- Suppression. Primary: a row resting on fewer than suppress_below
-- pupil-years in either window, here or in its comparison schools.
primary_sup AS (
    SELECT *, coalesce(least(pre_n, post_n), 0) < getvariable('edwh_suppress_below') OR comparison_small AS sup0,
           coalesce(least(pre_n, post_n), 0) AS size
    FROM joined
),
-- Complementary: a group pools its schools and a programme its groups and
-- schools, so n_pre and n_post add up. A row hidden alone among the parts
-- of a shown whole would be the whole less the others. So, in each group,
-- one hidden school hides the smallest shown school of the group too (or
-- the group, if it has no other); in each programme, one hidden school
-- hides the smallest shown school, and one hidden group hides the smallest
-- shown group and that group's smallest shown school. The rules are
-- applied again, programme by programme, until nothing changes. Every
-- hidden row counts, as a reader cannot tell one with no pupil-years. The
-- check effects_suppression_recoverable tests the result on every run.
sup_state AS (
    SELECT programme, measure, pupil_group, level, group_id, urn, size, sup0 AS hidden, 0 AS round, true AS changed
    FROM primary_sup
    UNION ALL
    SELECT programme, measure, pupil_group, level, group_id, urn, size, new_hidden, round + 1,
           bool_or(new_hidden <> hidden) OVER (PARTITION BY programme, measure, pupil_group)
    FROM (
        SELECT *, hidden OR coalesce(
               (level = 'school' AND g_hidden = 1 AND NOT g_sup AND g_rank = 1)
            OR (level = 'group' AND g_hidden = 1 AND g_shown = 0)
            OR (level = 'school' AND p_hidden = 1 AND NOT p_sup AND p_rank = 1)
            OR (level = 'programme' AND p_hidden = 1 AND p_shown = 0)
            OR (level IN ('group', 'school') AND group_id = fill_group AND (level = 'group' OR g_rank = 1)), false) AS new_hidden
        FROM (
            SELECT *,
                count(*) FILTER (WHERE level = 'school' AND hidden) OVER g AS g_hidden,
                count(*) FILTER (WHERE level = 'school' AND NOT hidden) OVER g AS g_shown,
                coalesce(bool_or(hidden) FILTER (WHERE level = 'group') OVER g, false) AS g_sup,
                row_number() OVER (PARTITION BY programme, measure, pupil_group, group_id, level, hidden ORDER BY size, urn) AS g_rank,
                count(*) FILTER (WHERE level = 'school' AND hidden) OVER p AS p_hidden,
                count(*) FILTER (WHERE level = 'school' AND NOT hidden) OVER p AS p_shown,
                coalesce(bool_or(hidden) FILTER (WHERE level = 'programme') OVER p, false) AS p_sup,
                row_number() OVER (PARTITION BY programme, measure, pupil_group, level, hidden ORDER BY size, urn) AS p_rank,
                -- the group hidden to keep a lone hidden group company
                CASE WHEN count(*) FILTER (WHERE level = 'group' AND hidden) OVER p = 1
                          AND NOT coalesce(bool_or(hidden) FILTER (WHERE level = 'programme') OVER p, false)
                     THEN arg_min(group_id, size) FILTER (WHERE level = 'group' AND NOT hidden) OVER p END AS fill_group
            FROM sup_state
            WHERE changed AND round < 20
            WINDOW g AS (PARTITION BY programme, measure, pupil_group, group_id),
                   p AS (PARTITION BY programme, measure, pupil_group)
        )
    )
),
suppression AS (
    SELECT programme, measure, pupil_group, level, group_id, urn, hidden
    FROM sup_state
    QUALIFY round = max(round) OVER (PARTITION BY programme, measure, pupil_group)
)
SELECT
    j.programme, j.level, j.group_id, j.urn, j.measure, j.pupil_group,
    s.start_period AS time_period,
    edwh_year_label(s.start_period) AS academic_year,
    CASE WHEN s.pre_from = s.pre_to THEN edwh_year_label(s.pre_from)
         ELSE edwh_year_label(s.pre_from) || '-' || edwh_year_label(s.pre_to) END AS pre_period,
    j.post_years AS post_period,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.pre_value, 3) END               AS pre_value,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.post_value, 3) END              AS post_value,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.post_value - j.pre_value, 3) END AS delta,
    CASE WHEN sup THEN NULL ELSE edwh_round(100 * (j.post_value - j.pre_value) / nullif(j.pre_value, 0), 1) END AS pct_change,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.comparison_pre, 3) END          AS comparison_pre,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.comparison_post, 3) END         AS comparison_post,
    CASE WHEN sup THEN NULL ELSE edwh_round((j.post_value - j.pre_value) - (j.comparison_post - j.comparison_pre), 3) END AS did,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.did_exact - 1.96 * j.se, 3) END AS ci_low,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.did_exact + 1.96 * j.se, 3) END AS ci_high,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.se_between, 4) END              AS se_schools,
    CASE WHEN sup THEN NULL ELSE edwh_round(j.se_within, 4) END               AS se_pupils,
    CASE WHEN sup THEN NULL ELSE j.pre_n END                             AS n_pre,
    CASE WHEN sup THEN NULL ELSE j.post_n END                            AS n_post,
    j.schools,
    j.comparison_schools,
    'difference in differences against ' ||
        CASE WHEN j.programme IN (SELECT programme FROM named) THEN 'the comparison schools named in the register'
             ELSE 'each school''s ' || CAST(CAST(getvariable('edwh_neighbours_k') AS INTEGER) AS VARCHAR) || ' most similar schools not in the programme nor in another programme running over its windows' END ||
        '; 95% interval did +/- 1.96 x the larger of two standard errors: the spread over ' ||
        coalesce(CAST(j.replicates AS VARCHAR), '0') || ' bootstrap resamples of schools (seed ' ||
        CAST(CAST(getvariable('edwh_bootstrap_seed') AS INTEGER) AS VARCHAR) || ') and the pupils'' sampling error' AS method,
    'delta = post - pre in the measure''s units (percentage points for rates); pct_change = delta / pre x 100; did = delta - (comparison_post - comparison_pre)' AS rule,
    sup AS suppressed
FROM (SELECT p.*, x.hidden AS sup,
             (p.post_value - p.pre_value) - (p.comparison_post - p.comparison_pre) AS did_exact,
             greatest(coalesce(p.se_between, 0), coalesce(p.se_within, 0)) AS se
      FROM primary_sup p
      JOIN suppression x ON x.programme = p.programme AND x.measure = p.measure AND x.pupil_group = p.pupil_group
          AND x.level = p.level AND x.group_id IS NOT DISTINCT FROM p.group_id AND x.urn IS NOT DISTINCT FROM p.urn) j
JOIN settings s USING (programme)
