-- Attainment results summed per LA, year, measure and combination of
-- characteristics, as stg.gap_results is per school: a pupil with records
-- at two schools of the LA (or two records at one) counts once in the LA,
-- with the records' num and den added up.
-- depends: stg.gap_pupil_results, stg.gap_traits
-- check: not_null time_period, measure, pupils
SELECT 'la' AS level, CAST(NULL AS INTEGER) AS urn, o.la_code, o.time_period, o.measure,
       t.pk IS NOT NULL AS has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
       count(*) AS pupils, sum(o.num) AS num, sum(o.den) AS den, max(o.scale) AS scale,
       sum(o.num * o.num) AS num2, sum(o.den * o.den) AS den2, sum(o.num * o.den) AS numden
FROM (SELECT pk, la_code, time_period, measure, sum(num) AS num, sum(den) AS den, max(scale) AS scale
      FROM stg.gap_pupil_results GROUP BY ALL) o
LEFT JOIN stg.gap_traits t ON t.pk = o.pk AND t.time_period = o.time_period
GROUP BY ALL
