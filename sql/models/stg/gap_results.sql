-- Attainment results summed per school, year, measure and combination of
-- characteristics (has a census record that year, disadvantaged, SEN
-- status, EAL, gender), for stg.gap_cells, which spreads the combinations
-- over pupil groups. Results count at the school of the record; a pupil
-- with two records at one school counts once there, with the records' num
-- and den added up. The measures are those of stg.gap_pupil_results.
--
-- The three sources of gap cells (results, attendance, exclusions), and
-- results and attendance at school and at LA level, are models of their
-- own, not one query: at national scale the one query held a dozen hash
-- tables of the 8.5 million pupils at once and DuckDB 1.4.3 crashed in its
-- out-of-memory hash aggregation (BENCHMARKS.md). Each model here groups
-- pupils once and joins them to the census once.
-- depends: stg.gap_pupil_results, stg.gap_traits
-- check: not_null urn, time_period, measure, pupils
SELECT 'school' AS level, o.urn, o.la_code, o.time_period, o.measure,
       t.pk IS NOT NULL AS has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
       count(*) AS pupils, sum(o.num) AS num, sum(o.den) AS den, max(o.scale) AS scale,
       sum(o.num * o.num) AS num2, sum(o.den * o.den) AS den2, sum(o.num * o.den) AS numden
FROM (SELECT pk, urn, la_code, time_period, measure, sum(num) AS num, sum(den) AS den, max(scale) AS scale
      FROM stg.gap_pupil_results WHERE urn IS NOT NULL GROUP BY ALL) o
LEFT JOIN stg.gap_traits t ON t.pk = o.pk AND t.time_period = o.time_period
GROUP BY ALL
