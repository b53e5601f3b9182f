-- Attendance summed per LA, year and combination of characteristics, as
-- stg.gap_attendance is per school: a pupil with rows at two schools of
-- the LA counts once in the LA, with the rows' sessions added up.
-- depends: mart.attendance, stg.gap_traits
-- check: not_null pupils
SELECT 'la' AS level, CAST(NULL AS INTEGER) AS urn, o.la_code, o.time_period,
       t.pk IS NOT NULL AS has_census, t.disadvantaged, t.sen_status, t.eal, t.gender,
       count(*) AS pupils,
       sum(o.an) AS an, sum(o.ad) AS ad, sum(o.an * o.an) AS an2, sum(o.ad * o.ad) AS ad2, sum(o.an * o.ad) AS anad,
       sum(o.pn) AS pn, sum(o.pd) AS pd, sum(o.pn * o.pn) AS pn2, sum(o.pd * o.pd) AS pd2, sum(o.pn * o.pd) AS pnpd
FROM (SELECT md5_number(pupil_key) AS pk, la_code, time_period,
             CAST(sum(sessions_absent) AS DOUBLE) AS an, CAST(sum(sessions_possible) AS DOUBLE) AS ad,
             CAST(sum(CAST(persistent_absentee AS INTEGER)) AS DOUBLE) AS pn, CAST(count(*) AS DOUBLE) AS pd
      FROM mart.attendance WHERE sessions_possible > 0 GROUP BY ALL) o
LEFT JOIN stg.gap_traits t ON t.pk = o.pk AND t.time_period = o.time_period
GROUP BY ALL
