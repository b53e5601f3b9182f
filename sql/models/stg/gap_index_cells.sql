-- The cells of the DfE disadvantage gap index (stg.gap_index), before
-- suppression: for each LA and school in the data loaded, year and measure
-- (ks2_gap_index, ks4_gap_index), the disadvantaged and other pupils'
-- count and mean percentile rank (num = sum of ranks, den = pupils):
--  1. rank every eligible pupil of the year on the attainment measure (KS2:
--     reading + maths scaled scores, a pupil working below the test
--     standard, code B, counting at the nominal score
--     ks2_nominal_below_standard; KS4: the mean of the English and maths
--     grades), ties sharing their mean rank;
--  2. turn ranks into percentile ranks r = rank / N, in (0, 1].
-- A school with no pupil of a group has the group's cell with 0 pupils.
-- depends: mart.attainment, mart.pupils
-- check: not_null level, measure, pupil_group, pupils
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
)
SELECT level, urn, la_code, time_period, measure, g.pupil_group,
       CAST(CASE g.pupil_group WHEN 'disadvantaged' THEN group_n ELSE reference_n END AS BIGINT) AS pupils,
       CASE g.pupil_group WHEN 'disadvantaged' THEN group_value ELSE reference_value END AS value,
       CASE g.pupil_group WHEN 'disadvantaged' THEN group_value * group_n ELSE reference_value * reference_n END AS num,
       CAST(CASE g.pupil_group WHEN 'disadvantaged' THEN group_n ELSE reference_n END AS DOUBLE) AS den,
       1 AS scale
FROM agg CROSS JOIN (VALUES ('disadvantaged'), ('not_disadvantaged')) g(pupil_group)
