-- attendance: one row per pupil per school per academic year (a pupil-year
-- for every pupil who stayed at one school; a pupil who moved has a row for
-- each school, as DfE counts enrolments), from the termly or whole-year
-- attendance returns. Sessions are half days.
--
-- DfE definitions (absence statistics methodology):
--   sessions_absent = authorised + unauthorised absence;
--   absence_rate = sessions_absent / sessions_possible * 100, summed over
--     the terms of the year before dividing (a rate of sums, not a mean of
--     termly rates);
--   persistent_absentee: absence_rate >= persistent_absence_pct (10%) of
--     the pupil's own possible sessions (the definition since 2015/16);
--   severely_absent: absence_rate >= severe_absence_pct (50%).
-- Where a school sent a whole-year row (term 'year') it is used, and basis
-- is 'year'; otherwise the terms present are summed (basis 'terms', terms =
-- how many). The attendance_terms_add_up check warns when both were sent
-- and disagree. A row with no possible sessions has NULL rate and flags.
-- Pupils appear only as pupil_key.
-- depends: stg.attendance
-- check: not_null pupil_key, time_period, academic_year, sessions_possible, sessions_absent, basis
-- check: unique pupil_key, time_period, urn, laestab
-- check: accepted_values basis = 'year', 'terms'
-- check: relationships urn -> mart.schools.urn (warn)
WITH enrolments AS (
    SELECT
        upn, urn, laestab, la_code, time_period,
        CASE WHEN bool_or(term = 'year') THEN 'year' ELSE 'terms' END                               AS basis,
        CAST(CASE WHEN bool_or(term = 'year') THEN NULL ELSE count(*) END AS INTEGER)               AS terms,
        coalesce(sum(sessions_possible) FILTER (WHERE term = 'year'), sum(sessions_possible))         AS sessions_possible,
        coalesce(sum(sessions_authorised) FILTER (WHERE term = 'year'), sum(sessions_authorised))     AS sessions_authorised,
        coalesce(sum(sessions_unauthorised) FILTER (WHERE term = 'year'), sum(sessions_unauthorised)) AS sessions_unauthorised
    FROM stg.attendance
    GROUP BY upn, urn, laestab, la_code, time_period
),
rates AS (
    SELECT *,
           sessions_authorised + sessions_unauthorised AS sessions_absent,
           100.0 * (sessions_authorised + sessions_unauthorised) / nullif(sessions_possible, 0) AS absence_rate
    FROM enrolments
)
SELECT
    edwh_pupil_key(upn)                                              AS pupil_key,
    time_period,
    edwh_year_label(time_period)                                     AS academic_year,
    urn,
    laestab,
    la_code,
    basis,
    terms,
    CAST(sessions_possible AS INTEGER)                               AS sessions_possible,
    CAST(sessions_authorised AS INTEGER)                             AS sessions_authorised,
    CAST(sessions_unauthorised AS INTEGER)                           AS sessions_unauthorised,
    CAST(sessions_absent AS INTEGER)                                 AS sessions_absent,
    absence_rate,
    100.0 * sessions_authorised / nullif(sessions_possible, 0)       AS authorised_rate,
    100.0 * sessions_unauthorised / nullif(sessions_possible, 0)     AS unauthorised_rate,
    absence_rate >= getvariable('edwh_persistent_absence_pct')       AS persistent_absentee,
    absence_rate >= getvariable('edwh_severe_absence_pct')           AS severely_absent
FROM rates
