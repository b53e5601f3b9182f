-- Attendance summed per school, year and combination of characteristics
-- (as stg.gap_results), for stg.gap_cells: absent over possible sessions
-- (an, ad) for overall_absence_rate, and persistently absent pupils over
-- pupils (pn, pd) for persistent_absence_rate, with their sums of squares
-- and products. Both measures of a pupil stay in one row, summed over the
-- pupil's rows at the school, so that each pupil is joined to the census
-- once. Attendance counts at the school of the record. Absence is summed
-- over pupils before dividing, as DfE does (not a mean of pupils' rates).
-- depends: mart.attendance, stg.gap_traits
-- check: not_null urn, pupils
SELECT 'school' AS level, o.urn, o.la_code, o.time_period,
       t.pk IS NOT NULL AS has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
       count(*) AS pupils,
       sum(o.an) AS an, sum(o.ad) AS ad, sum(o.an * o.an) AS an2, sum(o.ad * o.ad) AS ad2, sum(o.an * o.ad) AS anad,
       sum(o.pn) AS pn, sum(o.pd) AS pd, sum(o.pn * o.pn) AS pn2, sum(o.pd * o.pd) AS pd2, sum(o.pn * o.pd) AS pnpd
FROM (SELECT md5_number(pupil_key) AS pk, urn, la_code, time_period,
             CAST(sum(sessions_absent) AS DOUBLE) AS an, CAST(sum(sessions_possible) AS DOUBLE) AS ad,
             CAST(sum(CAST(persistent_absentee AS INTEGER)) AS DOUBLE) AS pn, CAST(count(*) AS DOUBLE) AS pd
      FROM mart.attendance WHERE sessions_possible > 0 AND urn IS NOT NULL GROUP BY ALL) o
LEFT JOIN stg.gap_traits t ON t.pk = o.pk AND t.time_period = o.time_period
GROUP BY ALL
