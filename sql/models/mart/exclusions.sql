-- exclusions: suspensions and permanent exclusions, at two levels in one
-- table (level column):
--   'school' - one row per school per academic year: headcount (pupils on
--     roll at the school's census, from mart.pupils), suspensions, the
--     sessions (half days) they lasted, one_plus_suspension (pupils with at
--     least one suspension), permanent_exclusions and lunchtime_exclusions,
--     and the DfE rates per 100 pupils on roll: suspension_rate,
--     one_plus_suspension_rate, permanent_exclusion_rate (count / headcount
--     x 100). Every school with a census that year has a row, with zeros
--     when it excluded nobody, for the years of which exclusions were
--     loaded.
--   'pupil' - one row per pupil per school per academic year for pupils
--     with any exclusion: the same counts for the pupil (one_plus_suspension
--     is 1 or 0), pupil_key set, rates NULL.
-- Exclusions are attributed to the school that excluded, in the academic
-- year of their start date. Suspensions were called fixed period
-- exclusions (FIXD) before 2021/22; both count here. Lunchtime exclusions
-- count as suspensions only when the parameter lunchtime_as_suspension is
-- 1 (UNVERIFIED how DfE counts them); they are always in
-- lunchtime_exclusions.
--
-- Suppression: a school row over fewer than suppress_below pupils on roll
-- (or, with no census headcount, fewer than suppress_below pupils
-- excluded) has every figure NULL and suppressed = true. There is no LA
-- row here to subtract the shown schools from, so this is the only rule;
-- the LA's exclusion rates by pupil group are in mart.gaps, which has its
-- own complementary suppression. Pupil rows are pseudonymised records,
-- not aggregates (suppressed = false): they are published for researchers,
-- and whoever holds them can count anything, so share the pupil rows only
-- where pupil-level data may go.
-- depends: stg.exclusions, mart.pupils, stg.schools
-- check: not_null level, time_period, academic_year, suppressed
-- check: unique level, pupil_key, time_period, urn, laestab
-- check: accepted_values level = 'school', 'pupil'
-- check: relationships urn -> mart.schools.urn (warn)
WITH per_pupil AS (
    SELECT
        upn, urn, time_period,
        max(laestab)                                                                   AS laestab,
        max(la_code)                                                                   AS la_code,
        count(*) FILTER (WHERE category = 'SUSP'
                            OR (category = 'LNCH' AND getvariable('edwh_lunchtime_as_suspension') = 1)) AS suspensions,
        coalesce(sum(sessions) FILTER (WHERE category = 'SUSP'
                            OR (category = 'LNCH' AND getvariable('edwh_lunchtime_as_suspension') = 1)), 0) AS suspension_sessions,
        count(*) FILTER (WHERE category = 'PERM')                                      AS permanent_exclusions,
        count(*) FILTER (WHERE category = 'LNCH')                                      AS lunchtime_exclusions
    FROM stg.exclusions
    -- A school without a URN (not in the establishments reference) is kept
    -- apart by its LAESTAB.
    GROUP BY upn, urn, CASE WHEN urn IS NULL THEN laestab END, time_period
),
years AS (
    SELECT DISTINCT time_period FROM stg.exclusions
),
roll AS (
    SELECT p.urn, p.time_period, count(*) AS headcount
    FROM mart.pupils p
    JOIN years y ON y.time_period = p.time_period
    WHERE p.urn IS NOT NULL
    GROUP BY p.urn, p.time_period
),
school_totals AS (
    SELECT
        urn, time_period,
        max(laestab)                                  AS laestab,
        max(la_code)                                  AS la_code,
        sum(suspensions)                              AS suspensions,
        sum(suspension_sessions)                      AS suspension_sessions,
        count(*) FILTER (WHERE suspensions > 0)       AS one_plus_suspension,
        sum(permanent_exclusions)                     AS permanent_exclusions,
        sum(lunchtime_exclusions)                     AS lunchtime_exclusions,
        count(DISTINCT upn)                           AS pupils_excluded
    FROM per_pupil
    GROUP BY urn, CASE WHEN urn IS NULL THEN laestab END, time_period
),
school_years AS (
    SELECT
        coalesce(t.urn, r.urn)                        AS urn,
        coalesce(t.laestab, s.laestab)                AS laestab,
        coalesce(t.la_code, s.la_code)                AS la_code,
        coalesce(t.time_period, r.time_period)        AS time_period,
        r.headcount,
        coalesce(t.suspensions, 0)                    AS suspensions,
        coalesce(t.suspension_sessions, 0)            AS suspension_sessions,
        coalesce(t.one_plus_suspension, 0)            AS one_plus_suspension,
        coalesce(t.permanent_exclusions, 0)           AS permanent_exclusions,
        coalesce(t.lunchtime_exclusions, 0)           AS lunchtime_exclusions,
        coalesce(r.headcount, t.pupils_excluded) < getvariable('edwh_suppress_below') AS suppressed
    FROM school_totals t
    FULL JOIN roll r ON r.urn = t.urn AND r.time_period = t.time_period
    LEFT JOIN stg.schools s ON s.urn = coalesce(t.urn, r.urn)
),
school_rows AS (
    SELECT
        'school'                                                                        AS level,
        CAST(NULL AS VARCHAR)                                                           AS pupil_key,
        time_period, urn, laestab, la_code,
        CASE WHEN NOT suppressed THEN headcount END                                     AS headcount,
        CASE WHEN NOT suppressed THEN suspensions END                                   AS suspensions,
        CASE WHEN NOT suppressed THEN suspension_sessions END                           AS suspension_sessions,
        CASE WHEN NOT suppressed THEN one_plus_suspension END                           AS one_plus_suspension,
        CASE WHEN NOT suppressed THEN permanent_exclusions END                          AS permanent_exclusions,
        CASE WHEN NOT suppressed THEN lunchtime_exclusions END                          AS lunchtime_exclusions,
        CASE WHEN NOT suppressed THEN 100.0 * suspensions / headcount END               AS suspension_rate,
        CASE WHEN NOT suppressed THEN 100.0 * one_plus_suspension / headcount END       AS one_plus_suspension_rate,
        CASE WHEN NOT suppressed THEN 100.0 * permanent_exclusions / headcount END      AS permanent_exclusion_rate,
        suppressed
    FROM school_years
),
pupil_rows AS (
    SELECT
        'pupil'                                       AS level,
        edwh_pupil_key(upn)                           AS pupil_key,
        time_period, urn, laestab, la_code,
        CAST(NULL AS BIGINT)                          AS headcount,
        suspensions,
        suspension_sessions,
        CAST(suspensions > 0 AS BIGINT)               AS one_plus_suspension,
        permanent_exclusions,
        lunchtime_exclusions,
        CAST(NULL AS DOUBLE)                          AS suspension_rate,
        CAST(NULL AS DOUBLE)                          AS one_plus_suspension_rate,
        CAST(NULL AS DOUBLE)                          AS permanent_exclusion_rate,
        false                                         AS suppressed
    FROM per_pupil
)
SELECT
    level,
    pupil_key,
    CAST(time_period AS INTEGER)                  AS time_period,
    edwh_year_label(time_period)                  AS academic_year,
    urn,
    laestab,
    la_code,
    CAST(headcount AS INTEGER)                    AS headcount,
    CAST(suspensions AS INTEGER)                  AS suspensions,
    CAST(suspension_sessions AS DOUBLE)           AS suspension_sessions,
    CAST(one_plus_suspension AS INTEGER)          AS one_plus_suspension,
    CAST(permanent_exclusions AS INTEGER)         AS permanent_exclusions,
    CAST(lunchtime_exclusions AS INTEGER)         AS lunchtime_exclusions,
    suspension_rate,
    one_plus_suspension_rate,
    permanent_exclusion_rate,
    suppressed
FROM (
    SELECT * FROM school_rows
    UNION ALL
    SELECT * FROM pupil_rows
)
