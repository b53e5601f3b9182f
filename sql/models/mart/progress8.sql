-- progress8: Progress 8 for each school and the LA, by pupil group, per
-- year, computed from pupil results (stg.p8_pupils).
--
--   estimate_source  where the pupils' estimated Attainment 8 came from:
--                'dfe_published' DfE's published estimates for the year
--                (landing/p8_estimates), so p8 is measured against England
--                as DfE's is; 'cohort_loaded' the mean A8 of the pupils
--                loaded with the same KS2 baseline, so with one LA's pupils
--                the LA's p8 is 0 by construction and schools are compared
--                with the LA. One value per year.
--   p8           mean of pupils' P8 after capping extreme negative scores
--                (DfE's P8MEA); p8_uncapped is the plain mean (P8MEA_ORIG)
--   p8_ci_low/high  p8 -/+ 1.96 x national SD / sqrt(pupils) (DfE's
--                P8CILOW/P8CIUPP); the SD is the parameter p8_national_sd,
--                or computed from the cohort loaded when that is 0
--   banding      DfE's five bands (FFT Datalab's statement of the rules):
--                'Well above average' p8 > 0.5 and CI above 0; 'Above
--                average' CI above 0; 'Average' CI includes 0; 'Below
--                average' CI below 0; 'Well below average' p8 < -0.5 and CI
--                below 0
--   p8_supplied  mean of the P8 scores DfE supplied in the KS4 file, when
--                it did, and p8_difference = p8_uncapped - p8_supplied
-- Figures are rounded with edwh_round (snapped to 9 dp first), so the same
-- data always rounds the same way.
-- Groups: all, disadvantaged, not_disadvantaged, sen_support, ehcp, no_sen,
-- eal, english_first, boys, girls (characteristics from the pupil's census
-- that year; pupils without one count only in 'all'). Groups of fewer than
-- suppress_below pupils have every figure NULL and suppressed = true, and so
-- do the cells from which such a group could be worked out by subtraction:
-- groups that split 'all' (disadvantaged / not; boys / girls; EAL /
-- English; SEN support / EHC plan / no SEN) never have exactly one member
-- suppressed, and an LA's schools never have exactly one school suppressed
-- for a group (the LA row less the other schools would give it away).
-- depends: stg.p8_pupils, mart.pupils
-- check: not_null level, time_period, pupil_group, suppressed, estimate_source
-- check: unique level, urn, la_code, pupil_group, time_period
-- check: accepted_values banding = 'Well above average', 'Above average', 'Average', 'Below average', 'Well below average'
WITH pupils AS (
    SELECT p.*, c.disadvantaged, c.sen_status, c.eal, c.gender
    FROM stg.p8_pupils p
    LEFT JOIN mart.pupils c ON c.pupil_key = p.pupil_key AND c.time_period = p.time_period
),
membership AS (
    SELECT *, unnest([
        'all',
        CASE WHEN disadvantaged THEN 'disadvantaged' WHEN NOT disadvantaged THEN 'not_disadvantaged' END,
        CASE sen_status WHEN 'SEN support' THEN 'sen_support' WHEN 'EHC plan' THEN 'ehcp' WHEN 'No SEN' THEN 'no_sen' END,
        CASE WHEN eal THEN 'eal' WHEN NOT eal THEN 'english_first' END,
        CASE gender WHEN 'M' THEN 'boys' WHEN 'F' THEN 'girls' END
    ]) AS pupil_group
    FROM pupils
),
sd AS (
    SELECT time_period,
           CASE WHEN getvariable('edwh_p8_national_sd') > 0 THEN getvariable('edwh_p8_national_sd')
                ELSE stddev_samp(p8) END AS sigma
    FROM stg.p8_pupils GROUP BY time_period
),
agg AS (
    SELECT 'school' AS level, urn, la_code, time_period, estimate_source, pupil_group,
           count(*) AS pupils, avg(att8) AS att8, avg(p8_adjusted) AS p8, avg(p8) AS p8_uncapped,
           count(*) FILTER (WHERE p8_capped) AS pupils_capped,
           avg(p8_eng) AS p8_eng, avg(p8_mat) AS p8_mat, avg(p8_ebacc) AS p8_ebacc, avg(p8_open) AS p8_open,
           avg(p8_supplied) AS p8_supplied
    FROM membership WHERE pupil_group IS NOT NULL GROUP BY urn, la_code, time_period, estimate_source, pupil_group
    UNION ALL
    SELECT 'la', NULL, la_code, time_period, estimate_source, pupil_group,
           count(*), avg(att8), avg(p8_adjusted), avg(p8), count(*) FILTER (WHERE p8_capped),
           avg(p8_eng), avg(p8_mat), avg(p8_ebacc), avg(p8_open), avg(p8_supplied)
    FROM membership WHERE pupil_group IS NOT NULL GROUP BY la_code, time_period, estimate_source, pupil_group
),
ci AS (
    SELECT a.*, sd.sigma,
           a.p8 - 1.96 * sd.sigma / sqrt(a.pupils) AS lo,
           a.p8 + 1.96 * sd.sigma / sqrt(a.pupils) AS hi,
           a.pupils < getvariable('edwh_suppress_below') AS sup1,
           CASE WHEN a.pupil_group IN ('disadvantaged', 'not_disadvantaged') THEN 'disadvantage'
                WHEN a.pupil_group IN ('boys', 'girls') THEN 'gender'
                WHEN a.pupil_group IN ('eal', 'english_first') THEN 'language'
                WHEN a.pupil_group IN ('sen_support', 'ehcp', 'no_sen') THEN 'sen' END AS split
    FROM agg a JOIN sd USING (time_period)
),
-- Secondary suppression 1: a split with exactly one member suppressed
-- loses its next smallest member too.
split_ranked AS (
    SELECT *,
        count(*) FILTER (WHERE sup1) OVER s AS split_sup,
        row_number() OVER (PARTITION BY level, urn, la_code, time_period, split ORDER BY sup1 DESC, pupils, pupil_group) AS split_pos
    FROM ci
    WINDOW s AS (PARTITION BY level, urn, la_code, time_period, split)
),
sup_split AS (
    SELECT * EXCLUDE (split_sup, split_pos),
        sup1 OR (split IS NOT NULL AND split_sup = 1 AND split_pos = 2) AS sup2
    FROM split_ranked
),
-- Secondary suppression 2: an LA whose schools have exactly one suppressed
-- row for a group loses the next smallest school's row too.
la_ranked AS (
    SELECT *,
        count(*) FILTER (WHERE sup2) OVER l AS la_sup,
        row_number() OVER (PARTITION BY level, la_code, time_period, pupil_group ORDER BY sup2 DESC, pupils, urn) AS la_pos
    FROM sup_split
    WINDOW l AS (PARTITION BY level, la_code, time_period, pupil_group)
),
final AS (
    SELECT *, sup2 OR (level = 'school' AND la_sup = 1 AND la_pos = 2) AS small
    FROM la_ranked
)
SELECT
    time_period,
    edwh_year_label(time_period)                        AS academic_year,
    level, urn, la_code, pupil_group,
    estimate_source,
    CASE WHEN small THEN NULL ELSE pupils END           AS pupils,
    CASE WHEN small THEN NULL ELSE edwh_round(att8, 2) END   AS att8,
    CASE WHEN small THEN NULL ELSE edwh_round(p8, 2) END     AS p8,
    CASE WHEN small THEN NULL ELSE edwh_round(lo, 2) END     AS p8_ci_low,
    CASE WHEN small THEN NULL ELSE edwh_round(hi, 2) END     AS p8_ci_high,
    CASE WHEN small THEN NULL ELSE edwh_round(p8_uncapped, 2) END AS p8_uncapped,
    CASE WHEN small THEN NULL ELSE pupils_capped END    AS pupils_capped,
    CASE WHEN small THEN NULL ELSE edwh_round(p8_eng, 2) END   AS p8_eng,
    CASE WHEN small THEN NULL ELSE edwh_round(p8_mat, 2) END   AS p8_mat,
    CASE WHEN small THEN NULL ELSE edwh_round(p8_ebacc, 2) END AS p8_ebacc,
    CASE WHEN small THEN NULL ELSE edwh_round(p8_open, 2) END  AS p8_open,
    CASE WHEN small THEN NULL
         WHEN p8 > 0.5 AND lo > 0 THEN 'Well above average'
         WHEN lo > 0 THEN 'Above average'
         WHEN p8 < -0.5 AND hi < 0 THEN 'Well below average'
         WHEN hi < 0 THEN 'Below average'
         ELSE 'Average' END                             AS banding,
    CASE WHEN small THEN NULL ELSE edwh_round(sigma, 3) END  AS national_sd,
    CASE WHEN small THEN NULL ELSE edwh_round(p8_supplied, 2) END AS p8_supplied,
    CASE WHEN small THEN NULL ELSE edwh_round(p8_uncapped - p8_supplied, 2) END AS p8_difference,
    small                                               AS suppressed
FROM final
