-- gap_trajectories: does a gap widen as the same pupils move through
-- school? For each cohort (the pupils who sat KS2 in a year) and each
-- comparison, the gap at KS1 (four years earlier), KS2 and KS4 (five years
-- later), over the same pupils: those with results at every key stage the
-- data holds for the cohort. Group membership is fixed at the KS2 year's
-- census.
--
-- The key stages measure different things on different scales, so each gap
-- is a rank-based gap index (DfE's method, see stg.gap_index): pupils are
-- ranked on the key stage's measure among all pupils loaded for that year
-- (ties share their mean rank), and index = 20 x (mean percentile rank of
-- the reference group - mean percentile rank of the group), 0 for no gap,
-- up to 10. Measures: KS1, the average of reading and writing averaged with
-- maths (maths counts double) on the point scores PKF 4, WTS 6, EXS 8, GDS
-- 10 (SECONDARY: DfE 2022 progress model); KS2, reading + maths scaled
-- scores (code B at ks2_nominal_below_standard); KS4, the mean of the
-- English and maths grades. Groups of fewer than suppress_below pupils are
-- suppressed.
-- depends: mart.attainment, mart.pupils
-- check: not_null la_code, cohort, comparison, key_stage, suppressed
-- check: unique la_code, time_period, comparison, key_stage
WITH ta(code, pts) AS (VALUES ('PKF', 4.0), ('WTS', 6.0), ('EXS', 8.0), ('GDS', 10.0)),
scores AS (
    SELECT 'ks1' AS key_stage, a.pupil_key, a.time_period,
           ((r.pts + w.pts) / 2 + m.pts) / 2 AS score
    FROM mart.attainment a
    JOIN ta r ON r.code = a.ks1_read_ta JOIN ta w ON w.code = a.ks1_writ_ta JOIN ta m ON m.code = a.ks1_mat_ta
    WHERE a.key_stage = 'ks1'
    UNION ALL
    SELECT 'ks2', pupil_key, time_period,
           coalesce(read_scaled, CASE WHEN read_code = 'B' THEN getvariable('edwh_ks2_nominal_below_standard') END)
         + coalesce(mat_scaled, CASE WHEN mat_code = 'B' THEN getvariable('edwh_ks2_nominal_below_standard') END)
    FROM mart.attainment WHERE key_stage = 'ks2'
    UNION ALL
    SELECT 'ks4', pupil_key, time_period, (english_grade + maths_grade) / 2.0
    FROM mart.attainment WHERE key_stage = 'ks4'
),
ranked AS (
    SELECT *,
        (2 * rank() OVER (PARTITION BY key_stage, time_period ORDER BY score)
         + count(*) OVER (PARTITION BY key_stage, time_period, score) - 1) / 2.0
        / count(*) OVER (PARTITION BY key_stage, time_period) AS r
    FROM scores WHERE score IS NOT NULL
),
cohort AS (
    -- KS2 takers, with their KS1 (four years before) and KS4 (five after).
    SELECT k2.pupil_key, k2.time_period AS ks2_year, k2.r AS r2, k1.r AS r1, k4.r AS r4,
           p.la_code, p.disadvantaged, p.sen_status
    FROM ranked k2
    JOIN mart.pupils p ON p.pupil_key = k2.pupil_key AND p.time_period = k2.time_period
    LEFT JOIN ranked k1 ON k1.key_stage = 'ks1' AND k1.pupil_key = k2.pupil_key AND k1.time_period = k2.time_period - 404
    LEFT JOIN ranked k4 ON k4.key_stage = 'ks4' AND k4.pupil_key = k2.pupil_key AND k4.time_period = k2.time_period + 505
    WHERE k2.key_stage = 'ks2'
),
-- Which key stages each cohort has at all; the same pupils are then those
-- with every one of them.
coverage AS (
    SELECT la_code, ks2_year, bool_or(r1 IS NOT NULL) AS has1, bool_or(r4 IS NOT NULL) AS has4
    FROM cohort GROUP BY ALL
),
same AS (
    SELECT c.* FROM cohort c JOIN coverage v USING (la_code, ks2_year)
    WHERE (NOT v.has1 OR c.r1 IS NOT NULL) AND (NOT v.has4 OR c.r4 IS NOT NULL)
),
tagged AS (
    SELECT s.*, cmp.comparison,
        CASE cmp.comparison
            WHEN 'disadvantaged_vs_other' THEN CASE WHEN s.disadvantaged THEN 'g' ELSE 'r' END
            WHEN 'sen_support_vs_no_sen' THEN CASE s.sen_status WHEN 'SEN support' THEN 'g' WHEN 'No SEN' THEN 'r' END
            WHEN 'ehcp_vs_no_sen' THEN CASE s.sen_status WHEN 'EHC plan' THEN 'g' WHEN 'No SEN' THEN 'r' END
        END AS side
    FROM same s
    CROSS JOIN (VALUES ('disadvantaged_vs_other'), ('sen_support_vs_no_sen'), ('ehcp_vs_no_sen')) cmp(comparison)
),
long AS (
    SELECT la_code, ks2_year, comparison, side, ks.key_stage,
           CASE ks.key_stage WHEN 'ks1' THEN r1 WHEN 'ks2' THEN r2 ELSE r4 END AS r
    FROM tagged CROSS JOIN (VALUES ('ks1'), ('ks2'), ('ks4')) ks(key_stage)
    WHERE side IS NOT NULL
),
agg AS (
    SELECT la_code, ks2_year, comparison, key_stage,
           count(*) FILTER (WHERE side = 'g' AND r IS NOT NULL) AS group_n,
           count(*) FILTER (WHERE side = 'r' AND r IS NOT NULL) AS reference_n,
           avg(r) FILTER (WHERE side = 'g') AS group_rank,
           avg(r) FILTER (WHERE side = 'r') AS reference_rank
    FROM long GROUP BY ALL
    HAVING count(r) > 0
)
SELECT
    ks2_year AS time_period,
    edwh_year_label(ks2_year) AS academic_year,
    edwh_year_label(ks2_year) AS cohort,
    la_code, comparison, key_stage,
    CASE WHEN s THEN NULL ELSE group_n END                                AS group_n,
    CASE WHEN s THEN NULL ELSE reference_n END                            AS reference_n,
    CASE WHEN s THEN NULL ELSE edwh_round(20 * (reference_rank - group_rank), 2) END AS gap_index,
    s AS suppressed
FROM (SELECT *, least(group_n, reference_n) < getvariable('edwh_suppress_below') AS s FROM agg)
