-- Progress 8 for each pupil with a KS4 result, computed by edwh.
--
-- DfE method (reference/dfe-methods.md 1.4-1.6): pupils are placed in prior
-- attainment groups (PAGs) by their KS2 baseline; a pupil's estimated
-- Attainment 8 is the mean A8 of the pupils in the same PAG that year, and
-- P8 = (A8 - estimate) / 10, divided by 10 even when slots are unfilled.
-- Element scores divide by the element's slots: English and maths by 2,
-- EBacc and open by 3 (UNVERIFIED from DfE text, consistent with its data).
--
-- Estimates here come from the cohort loaded. With a national cohort loaded
-- they are DfE's; with one LA's pupils they measure progress against the
-- LA's own pupils, so an LA's mean P8 is 0 by construction: compare schools
-- with it, and use DfE's published P8 (p8_supplied, and mart.rankings) for
-- the LA against England.
--
-- PAG width: parameter p8_pag_width (0 = 1 scaled-score point, or 0.1 for
-- fine levels). Extreme negative scores are capped for school averages at
-- the PAG mean less p8_cap_sd standard deviations (DfE from 2018; the
-- multiplier is UNVERIFIED). The pupil's own score is kept as p8.
-- depends: mart.attainment
-- check: not_null pupil_key, time_period, pag, p8, p8_adjusted
-- check: unique pupil_key, time_period
WITH ks4 AS (
    SELECT pupil_key, time_period, urn, la_code, att8, att8_eng, att8_mat, att8_ebacc, att8_open,
           ks2_baseline, p8 AS p8_supplied
    FROM mart.attainment
    WHERE key_stage = 'ks4' AND att8 IS NOT NULL AND ks2_baseline > 0
),
width AS (
    SELECT time_period,
           CASE WHEN getvariable('edwh_p8_pag_width') > 0 THEN getvariable('edwh_p8_pag_width')
                WHEN max(ks2_baseline) < 10 THEN 0.1
                ELSE 1.0 END AS w
    FROM ks4 GROUP BY time_period
),
grouped AS (
    SELECT k.*, floor(k.ks2_baseline / w.w) * w.w AS pag
    FROM ks4 k JOIN width w USING (time_period)
),
estimates AS (
    SELECT time_period, pag, count(*) AS pag_pupils,
           avg(att8) AS est_att8, avg(att8_eng) AS est_eng, avg(att8_mat) AS est_mat,
           avg(att8_ebacc) AS est_ebacc, avg(att8_open) AS est_open
    FROM grouped GROUP BY time_period, pag
),
scored AS (
    SELECT g.*, e.pag_pupils, e.est_att8,
           (g.att8 - e.est_att8) / 10.0       AS p8,
           (g.att8_eng - e.est_eng) / 2.0     AS p8_eng,
           (g.att8_mat - e.est_mat) / 2.0     AS p8_mat,
           (g.att8_ebacc - e.est_ebacc) / 3.0 AS p8_ebacc,
           (g.att8_open - e.est_open) / 3.0   AS p8_open
    FROM grouped g JOIN estimates e USING (time_period, pag)
),
caps AS (
    SELECT time_period, pag,
           CASE WHEN count(*) >= 2 THEN avg(p8) - getvariable('edwh_p8_cap_sd') * stddev_samp(p8) END AS cap
    FROM scored GROUP BY time_period, pag
)
SELECT
    s.pupil_key, s.time_period, s.urn, s.la_code,
    s.ks2_baseline, s.pag, s.pag_pupils, s.att8, s.est_att8,
    s.att8_eng, s.att8_mat, s.att8_ebacc, s.att8_open,
    s.p8,
    CASE WHEN c.cap IS NOT NULL AND s.p8 < c.cap THEN c.cap ELSE s.p8 END AS p8_adjusted,
    c.cap IS NOT NULL AND s.p8 < c.cap                                     AS p8_capped,
    s.p8_eng, s.p8_mat, s.p8_ebacc, s.p8_open,
    s.p8_supplied
FROM scored s JOIN caps c USING (time_period, pag)
