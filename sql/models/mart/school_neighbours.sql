-- school_neighbours: for each school and year, its most similar schools
-- (neighbours_k, default 10) of the same phase, by standardised context:
-- the shares of pupils disadvantaged, on SEN support, with an EHC plan and
-- with English as an additional language, the number on roll, and prior
-- attainment (secondary: the mean KS2 baseline of its KS4 pupils; primary:
-- the share meeting the phonics standard, the earliest attainment edwh
-- holds). Each feature is turned into a z-score within phase and year;
-- distance is the Euclidean distance over the z-scores (a missing feature
-- counts as average). This follows the approach DfE used for its "similar
-- schools" (pupils' prior attainment and context), not its exact model,
-- which is not published. The features used are on every row.
-- depends: mart.pupils, mart.schools, mart.attainment, stg.p8_pupils
-- check: not_null urn, neighbour_urn, distance, rank, time_period
-- check: unique urn, neighbour_urn, time_period
WITH roll AS (
    SELECT urn, la_code, time_period, count(*) AS pupils,
           avg(CAST(disadvantaged AS DOUBLE)) AS share_disadvantaged,
           avg(CAST(sen_status = 'SEN support' AS DOUBLE)) AS share_sen_support,
           avg(CAST(sen_status = 'EHC plan' AS DOUBLE)) AS share_ehcp,
           avg(CAST(eal AS DOUBLE)) AS share_eal
    FROM mart.pupils WHERE urn IS NOT NULL GROUP BY urn, la_code, time_period
),
prior_sec AS (
    SELECT urn, time_period, avg(ks2_baseline) AS prior FROM stg.p8_pupils GROUP BY urn, time_period
),
prior_pri AS (
    SELECT urn, time_period, avg(CAST(phonics_expected AS DOUBLE)) AS prior
    FROM mart.attainment WHERE key_stage = 'phonics' AND phonics_expected IS NOT NULL GROUP BY urn, time_period
),
features AS (
    SELECT r.*, coalesce(s.phase, 'Unknown') AS phase,
           CASE WHEN s.phase ILIKE '%secondary%' THEN ps.prior ELSE pp.prior END AS prior_attainment,
           ln(r.pupils) AS log_pupils
    FROM roll r
    LEFT JOIN mart.schools s ON s.urn = r.urn
    LEFT JOIN prior_sec ps ON ps.urn = r.urn AND ps.time_period = r.time_period
    LEFT JOIN prior_pri pp ON pp.urn = r.urn AND pp.time_period = r.time_period
),
z AS (
    SELECT *,
        coalesce((share_disadvantaged - avg(share_disadvantaged) OVER w) / nullif(stddev_pop(share_disadvantaged) OVER w, 0), 0) AS z_dis,
        coalesce((share_sen_support - avg(share_sen_support) OVER w) / nullif(stddev_pop(share_sen_support) OVER w, 0), 0) AS z_sen,
        coalesce((share_ehcp - avg(share_ehcp) OVER w) / nullif(stddev_pop(share_ehcp) OVER w, 0), 0) AS z_ehcp,
        coalesce((share_eal - avg(share_eal) OVER w) / nullif(stddev_pop(share_eal) OVER w, 0), 0) AS z_eal,
        coalesce((log_pupils - avg(log_pupils) OVER w) / nullif(stddev_pop(log_pupils) OVER w, 0), 0) AS z_size,
        coalesce((prior_attainment - avg(prior_attainment) OVER w) / nullif(stddev_pop(prior_attainment) OVER w, 0), 0) AS z_prior
    FROM features
    WINDOW w AS (PARTITION BY time_period, phase)
),
pairs AS (
    SELECT a.urn, b.urn AS neighbour_urn, a.time_period, a.phase,
           sqrt(power(a.z_dis - b.z_dis, 2) + power(a.z_sen - b.z_sen, 2) + power(a.z_ehcp - b.z_ehcp, 2)
              + power(a.z_eal - b.z_eal, 2) + power(a.z_size - b.z_size, 2) + power(a.z_prior - b.z_prior, 2)) AS distance
    FROM z a JOIN z b
      ON a.time_period = b.time_period AND a.phase = b.phase AND a.urn <> b.urn
     AND (getvariable('edwh_neighbours_same_la') = 0 OR a.la_code = b.la_code)
)
SELECT p.time_period, edwh_year_label(p.time_period) AS academic_year,
       p.urn, p.neighbour_urn, edwh_round(p.distance, 4) AS distance,
       CAST(row_number() OVER (PARTITION BY p.urn, p.time_period ORDER BY p.distance, p.neighbour_urn) AS INTEGER) AS rank,
       p.phase,
       edwh_round(f.share_disadvantaged * 100, 1) AS pct_disadvantaged, edwh_round(f.share_sen_support * 100, 1) AS pct_sen_support,
       edwh_round(f.share_ehcp * 100, 1) AS pct_ehcp, edwh_round(f.share_eal * 100, 1) AS pct_eal, f.pupils,
       edwh_round(f.prior_attainment, 2) AS prior_attainment,
       -- prior_attainment is on a different scale in each phase (it is
       -- standardised within phase for the distance); say which, per row.
       CASE WHEN f.prior_attainment IS NULL THEN NULL
            WHEN f.phase ILIKE '%secondary%' THEN 'mean KS2 baseline of KS4 pupils'
            ELSE 'share meeting the phonics standard (0 to 1)' END AS prior_attainment_measure,
       'share disadvantaged, SEN support, EHC plan, EAL, log pupils on roll, prior attainment (z-scores within phase and year)' AS features
FROM pairs p JOIN features f ON f.urn = p.neighbour_urn AND f.time_period = p.time_period
QUALIFY rank <= getvariable('edwh_neighbours_k')
