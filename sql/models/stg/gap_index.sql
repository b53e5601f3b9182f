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
-- LA with fewer than suppress_below pupils in either group is suppressed,
-- and so are the rows from which one could be worked out (the LA row less
-- the other schools): see stg.gap_suppression.
-- depends: stg.gap_index_cells, stg.gap_suppression
-- check: not_null level, measure, suppressed
WITH rows_ AS (
    SELECT g.level, g.urn, g.la_code, g.time_period, g.measure,
           g.pupils AS group_n, g.value AS group_value, r.pupils AS reference_n, r.value AS reference_value,
           gs.hidden OR rs.hidden AS s
    FROM stg.gap_index_cells g
    JOIN stg.gap_index_cells r ON r.pupil_group = 'not_disadvantaged' AND r.level = g.level AND r.urn IS NOT DISTINCT FROM g.urn
        AND r.la_code = g.la_code AND r.time_period = g.time_period AND r.measure = g.measure
    JOIN stg.gap_suppression gs ON gs.pupil_group = g.pupil_group AND gs.level = g.level AND gs.urn IS NOT DISTINCT FROM g.urn
        AND gs.la_code = g.la_code AND gs.time_period = g.time_period AND gs.measure = g.measure
    JOIN stg.gap_suppression rs ON rs.pupil_group = r.pupil_group AND rs.level = r.level AND rs.urn IS NOT DISTINCT FROM r.urn
        AND rs.la_code = r.la_code AND rs.time_period = r.time_period AND rs.measure = r.measure
    WHERE g.pupil_group = 'disadvantaged'
)
SELECT level, urn, la_code, time_period, measure, 'disadvantaged_vs_other' AS comparison,
       CASE WHEN s THEN NULL ELSE group_n END         AS group_n,
       CASE WHEN s THEN NULL ELSE group_value END     AS group_value,
       CASE WHEN s THEN NULL ELSE reference_n END     AS reference_n,
       CASE WHEN s THEN NULL ELSE reference_value END AS reference_value,
       CASE WHEN s THEN NULL ELSE group_value - reference_value END AS gap,
       CASE WHEN s THEN NULL ELSE 20 * (reference_value - group_value) END AS gap_index,
       s AS suppressed
FROM rows_
