-- check: attendance_terms_add_up
-- severity: warn
-- model: stg.attendance
-- description: Where a school sent both a whole-year attendance row and termly rows for a pupil, the terms add up to the year (mart.attendance uses the year row).
WITH t AS (
    SELECT upn, urn, laestab, time_period,
           sum(sessions_possible) FILTER (WHERE term = 'year')  AS year_possible,
           sum(sessions_possible) FILTER (WHERE term <> 'year') AS terms_possible,
           sum(sessions_absent) FILTER (WHERE term = 'year')    AS year_absent,
           sum(sessions_absent) FILTER (WHERE term <> 'year')   AS terms_absent
    FROM stg.attendance
    GROUP BY upn, urn, laestab, time_period
)
SELECT urn, laestab, time_period, year_possible, terms_possible, year_absent, terms_absent
FROM t
WHERE year_possible IS NOT NULL AND terms_possible IS NOT NULL
  AND (year_possible <> terms_possible OR year_absent <> terms_absent)
