-- check: exclusions_superseded_uncovered
-- severity: warn
-- description: A later exclusions file for a school and academic year replaces the earlier one (it is taken to hold the year to date). Listed here are superseded exclusions dated before the first or after the last start date of the file that replaced them: a sign that the files were termly, so that earlier terms were dropped. Send year-to-date extracts, or put all terms in one file.
WITH e AS (
    SELECT _load_id, _file, _line, start_date,
           coalesce(CAST(laestab AS VARCHAR), 'urn' || CAST(urn AS VARCHAR)) AS school,
           edwh_year_of(start_date) AS time_period
    FROM raw.exclusions
),
latest AS (
    SELECT school, time_period, max(_load_id) AS load_id
    FROM e
    GROUP BY school, time_period
),
coverage AS (
    SELECT e.school, e.time_period, min(e.start_date) AS first_date, max(e.start_date) AS last_date
    FROM e
    JOIN latest l ON l.school = e.school AND l.time_period = e.time_period AND l.load_id = e._load_id
    GROUP BY e.school, e.time_period
)
SELECT e._file, e._line, e.time_period, e.start_date, c.first_date, c.last_date
FROM e
JOIN latest l ON l.school = e.school AND l.time_period = e.time_period
JOIN coverage c ON c.school = e.school AND c.time_period = e.time_period
WHERE e._load_id < l.load_id
  AND (e.start_date < c.first_date OR e.start_date > c.last_date)
