-- The DfE disadvantage gap index from pupil data, at KS2 and KS4, for each
-- LA and school in the data loaded (DfE SFR 40/2014; reference
-- dfe-methods.md 3.2):
--  1. rank every eligible pupil of the year on the attainment measure (KS2:
--     reading + maths scaled scores, a pupil working below the test
--     standard, code B, counting at the nominal score
--     ks2_nominal_below_standard; KS4: the mean of the English and maths
--     grades), ties sharing their mean rank;
--  2. turn ranks into percentile ranks r = rank / N, in (0, 1];
--  3. gap index = 20 x (mean r of other pupils - mean r of disadvantaged
--     pupils): 0 is no gap, 10 the largest possible.
-- DfE ranks the whole national cohort; here the ranks are within the data
-- loaded, so an LA's index compares its disadvantaged pupils with its own
-- others (the scaling of step 3 is RECONSTRUCTED, UNVERIFIED). A school or
-- LA with fewer than suppress_below pupils in either group is suppressed.
-- depends: mart.attainment, mart.pupils
-- check: not_null level, measure, suppressed
WITH scores AS (
    SELECT 'ks2_gap_index' AS measure, a.pupil_key, a.time_period, a.urn, a.la_code,
           coalesce(a.read_scaled, CASE WHEN a.read_code = 'B' THEN getvariable('edwh_ks2_nominal_below_standard') END)
         + coalesce(a.mat_scaled, CASE WHEN a.mat_code = 'B' THEN getvariable('edwh_ks2_nominal_below_standard') END) AS score
    FROM mart.attainment a WHERE a.key_stage = 'ks2'
    UNION ALL
    SELECT 'ks4_gap_index', pupil_key, time_period, urn, la_code, (english_grade + maths_grade) / 2.0
    FROM mart.attainment WHERE key_stage = 'ks4'
),
eligible AS (
    SELECT s.*, p.disadvantaged
    FROM scores s JOIN mart.pupils p ON p.pupil_key = s.pupil_key AND p.time_period = s.time_period
    WHERE s.score IS NOT NULL AND p.disadvantaged IS NOT NULL
),
ranked AS (
    SELECT *,
        (rank() OVER (PARTITION BY measure, time_period ORDER BY score)
         + count(*) OVER (PARTITION BY measure, time_period, score) - 1 + rank() OVER (PARTITION BY measure, time_period ORDER BY score)) / 2.0
        / count(*) OVER (PARTITION BY measure, time_period) AS r
    FROM eligible
),
agg AS (
    SELECT 'school' AS level, urn, la_code, time_period, measure,
           count(*) FILTER (WHERE disadvantaged) AS group_n, avg(r) FILTER (WHERE disadvantaged) AS group_value,
           count(*) FILTER (WHERE NOT disadvantaged) AS reference_n, avg(r) FILTER (WHERE NOT disadvantaged) AS reference_value
    FROM ranked GROUP BY urn, la_code, time_period, measure
    UNION ALL
    SELECT 'la', NULL, la_code, time_period, measure,
           count(*) FILTER (WHERE disadvantaged), avg(r) FILTER (WHERE disadvantaged),
           count(*) FILTER (WHERE NOT disadvantaged), avg(r) FILTER (WHERE NOT disadvantaged)
    FROM ranked GROUP BY la_code, time_period, measure
),
flagged AS (
    SELECT *, least(group_n, reference_n) < getvariable('edwh_suppress_below') AS sup1 FROM agg
),
ranked_schools AS (
    -- As in stg.gaps_pupil: never leave one school suppressed alone in an LA.
    SELECT *,
        count(*) FILTER (WHERE sup1) OVER (PARTITION BY level, la_code, time_period, measure) AS n_sup,
        row_number() OVER (PARTITION BY level, la_code, time_period, measure ORDER BY sup1 DESC, least(group_n, reference_n), urn) AS pos
    FROM flagged
)
SELECT level, urn, la_code, time_period, measure, 'disadvantaged_vs_other' AS comparison,
       CASE WHEN s THEN NULL ELSE group_n END         AS group_n,
       CASE WHEN s THEN NULL ELSE group_value END     AS group_value,
       CASE WHEN s THEN NULL ELSE reference_n END     AS reference_n,
       CASE WHEN s THEN NULL ELSE reference_value END AS reference_value,
       CASE WHEN s THEN NULL ELSE group_value - reference_value END AS gap,
       CASE WHEN s THEN NULL ELSE 20 * (reference_value - group_value) END AS gap_index,
       s AS suppressed
FROM (SELECT *, sup1 OR (level = 'school' AND n_sup = 1 AND pos = 2) AS s FROM ranked_schools)
