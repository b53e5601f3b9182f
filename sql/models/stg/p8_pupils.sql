-- Progress 8 for each pupil with a KS4 result, computed by edwh.
--
-- DfE method (reference/dfe-methods.md 1.4-1.6): pupils are placed in prior
-- attainment groups (PAGs) by their KS2 baseline; a pupil's estimated
-- Attainment 8 is the national mean A8 of the pupils in the same PAG that
-- year, and P8 = (A8 - estimate) / 10, divided by 10 even when slots are
-- unfilled. Element scores divide by the element's slots: English and maths
-- by 2, EBacc and open by 3 (UNVERIFIED from DfE text, consistent with its
-- data).
--
-- Where the estimates come from (estimate_source), per KS4 year:
--
--   'dfe_published'  DfE's published estimates for that year are loaded
--                    (stg.p8_estimates): a pupil's PAG is the band holding
--                    their baseline (a band holds its lower and upper
--                    bounds; a value two bands share belongs to the higher
--                    one) and pag is that band's lower bound. This is DfE's
--                    own P8, comparable with England's (0) and with other
--                    LAs. Element estimates come from the same file; a file
--                    without them leaves element scores NULL. A pupil whose
--                    baseline is in no band has no P8 and no row here
--                    (check p8_no_published_estimate counts them).
--   'cohort_loaded'  no published estimates for that year: the estimate is
--                    the mean A8 of the pupils loaded in the same PAG, PAGs
--                    being bands of width p8_pag_width (parameter; 0 = 1
--                    scaled-score point, or 0.1 for fine levels) and pag
--                    the band's lower bound. With a national cohort loaded
--                    these are DfE's estimates; with one LA's pupils they
--                    measure progress against the LA's own pupils, so the
--                    LA's mean P8 is 0 by construction: compare schools with
--                    it, and use DfE's published P8 (p8_supplied, and
--                    mart.rankings) for the LA against England.
--
-- Extreme negative scores are capped for school averages (DfE from 2018);
-- the pupil's own score is kept as p8 and p8_adjusted is the capped one. The
-- cap of a PAG is the PAG's mean P8 less p8_cap_sd (parameter, UNVERIFIED)
-- standard deviations of P8 within the PAG. The mean is 0 by definition of
-- the estimate (nationally for published estimates, in the cohort for the
-- cohort method). The standard deviation is that of the pupils loaded in the
-- PAG, needing two of them: DfE's national figures are not in its estimates
-- tables. When the year's estimates file gives the caps (a cap column), they
-- are used instead, and a band without one is not capped, as DfE leaves the
-- lowest PAGs uncapped.
-- depends: mart.attainment, stg.p8_estimates
-- check: not_null pupil_key, time_period, pag, p8, p8_adjusted, estimate_source
-- check: unique pupil_key, time_period
-- check: accepted_values estimate_source = 'dfe_published', 'cohort_loaded'
WITH ks4 AS (
    SELECT pupil_key, time_period, urn, la_code, att8, att8_eng, att8_mat, att8_ebacc, att8_open,
           ks2_baseline, p8 AS p8_supplied
    FROM mart.attainment
    WHERE key_stage = 'ks4' AND att8 IS NOT NULL AND ks2_baseline > 0
),
-- Years with DfE's published estimates: the band holding the baseline.
published AS (
    SELECT k.*, 'dfe_published' AS estimate_source, e.ks2_lower AS pag, e.pag_number,
           e.est_att8, e.est_eng, e.est_mat, e.est_ebacc, e.est_open,
           CASE WHEN e.caps_published THEN e.p8_cap END AS published_cap, e.caps_published
    FROM ks4 k
    JOIN stg.p8_estimates e
      ON e.time_period = k.time_period
     AND k.ks2_baseline >= e.ks2_lower
     AND (k.ks2_baseline < e.ks2_upper OR (k.ks2_baseline = e.ks2_upper AND e.upper_included))
),
-- Other years: estimates from the cohort loaded.
cohort AS (
    SELECT * FROM ks4
    WHERE time_period NOT IN (SELECT time_period FROM stg.p8_estimates)
),
width AS (
    SELECT time_period,
           CASE WHEN getvariable('edwh_p8_pag_width') > 0 THEN getvariable('edwh_p8_pag_width')
                WHEN max(ks2_baseline) < 10 THEN 0.1
                ELSE 1.0 END AS w
    FROM cohort GROUP BY time_period
),
grouped AS (
    SELECT k.*, floor(k.ks2_baseline / w.w) * w.w AS pag
    FROM cohort k JOIN width w USING (time_period)
),
cohort_estimated AS (
    SELECT *, 'cohort_loaded' AS estimate_source, CAST(NULL AS INTEGER) AS pag_number,
           avg(att8) OVER g AS est_att8, avg(att8_eng) OVER g AS est_eng, avg(att8_mat) OVER g AS est_mat,
           avg(att8_ebacc) OVER g AS est_ebacc, avg(att8_open) OVER g AS est_open,
           CAST(NULL AS DOUBLE) AS published_cap, false AS caps_published
    FROM grouped
    WINDOW g AS (PARTITION BY time_period, pag)
),
scored AS (
    SELECT *,
           count(*) OVER (PARTITION BY time_period, pag) AS pag_pupils,
           (att8 - est_att8) / 10.0       AS p8,
           (att8_eng - est_eng) / 2.0     AS p8_eng,
           (att8_mat - est_mat) / 2.0     AS p8_mat,
           (att8_ebacc - est_ebacc) / 3.0 AS p8_ebacc,
           (att8_open - est_open) / 3.0   AS p8_open
    FROM (SELECT * FROM published UNION ALL BY NAME SELECT * FROM cohort_estimated)
),
caps AS (
    SELECT time_period, pag,
           CASE WHEN bool_or(caps_published) THEN any_value(published_cap)
                WHEN count(*) >= 2 THEN 0 - getvariable('edwh_p8_cap_sd') * stddev_samp(p8) END AS cap
    FROM scored GROUP BY time_period, pag
)
SELECT
    s.pupil_key, s.time_period, s.urn, s.la_code,
    s.ks2_baseline, s.pag, s.pag_number, s.pag_pupils, s.estimate_source,
    s.att8, s.est_att8,
    s.att8_eng, s.att8_mat, s.att8_ebacc, s.att8_open,
    s.p8,
    CASE WHEN c.cap IS NOT NULL AND s.p8 < c.cap THEN c.cap ELSE s.p8 END AS p8_adjusted,
    c.cap IS NOT NULL AND s.p8 < c.cap                                     AS p8_capped,
    s.p8_eng, s.p8_mat, s.p8_ebacc, s.p8_open,
    s.p8_supplied
FROM scored s JOIN caps c USING (time_period, pag)
