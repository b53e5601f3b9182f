-- Suspensions and permanent exclusions summed per school (and per LA),
-- year and combination of characteristics (as stg.gap_results), for
-- stg.gap_cells: every pupil on roll in a year that has exclusions data, at
-- the school of the census, with their suspensions (sn, and sn2 their
-- squares), whether they had one (onum) and their permanent exclusions
-- (pnum, pn2). Every pupil here has a census record.
-- depends: mart.exclusions, stg.gap_traits
-- check: not_null level, pupils
WITH excl AS (
    SELECT md5_number(pupil_key) AS pk, time_period, sum(suspensions) AS suspensions, sum(permanent_exclusions) AS perms
    FROM mart.exclusions WHERE level = 'pupil' GROUP BY ALL
),
excl_pupils AS (
    SELECT t.*, CAST(coalesce(e.suspensions, 0) AS DOUBLE) AS s,
           CASE WHEN coalesce(e.suspensions, 0) > 0 THEN 1.0 ELSE 0.0 END AS o,
           CAST(coalesce(e.perms, 0) AS DOUBLE) AS p
    FROM stg.gap_traits t
    SEMI JOIN (SELECT DISTINCT time_period FROM mart.exclusions) y ON y.time_period = t.time_period
    LEFT JOIN excl e ON e.pk = t.pk AND e.time_period = t.time_period
)
SELECT level, urn, la_code, time_period, true AS has_census, disadvantaged, sen_status, eal, gender,
       count(*) AS pupils, sum(s) AS sn, sum(s * s) AS sn2, sum(o) AS onum, sum(p) AS pnum, sum(p * p) AS pn2
FROM (SELECT 'school' AS level, * FROM excl_pupils WHERE urn IS NOT NULL
      UNION ALL
      SELECT 'la', * REPLACE (CAST(NULL AS INTEGER) AS urn) FROM excl_pupils)
GROUP BY ALL
