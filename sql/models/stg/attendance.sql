-- attendance: attendance rows in force, one row per pupil, school, academic
-- year and term ('autumn', 'spring', 'summer', or 'year' for a whole-year
-- row). Sessions are half days. sessions_absent is authorised plus
-- unauthorised absence, the DfE definition of overall absence; rows where
-- it exceeds the possible sessions were quarantined at load.
--
-- Supersession: for each school, academic year and term, the rows of the
-- latest file; the terms of a year may come in separate files. Superseded
-- rows stay in raw.attendance. School keys are resolved through
-- stg.schools. A pupil listed twice for the same school and term keeps the
-- row of the latest file (then the last line); duplicates counts the
-- others, listed by the results_duplicate_pupils check.
-- depends: raw.attendance, stg.schools
-- check: not_null upn, time_period, term, sessions_possible, sessions_absent
-- check: unique upn, time_period, term, urn, laestab
-- check: accepted_values term = 'autumn', 'spring', 'summer', 'year'
-- check: relationships urn -> stg.schools.urn (warn)
-- The latest load of each school's extract (by LAESTAB, or by URN where
-- a row has none) for each year and term: a GROUP BY and a join, which DuckDB
-- does in a fraction of the time of a window over every row.
WITH latest AS (
    SELECT laestab, CASE WHEN laestab IS NULL THEN urn END AS urn_only, academic_year, term, max(_load_id) AS load_id
    FROM raw.attendance
    GROUP BY ALL
),
-- NOT MATERIALIZED: read by both halves of the UNION below, and copying a
-- national year's 8.5 million rows cost more than joining twice.
current_rows AS NOT MATERIALIZED (
    SELECT r.*
    FROM raw.attendance r
    SEMI JOIN latest l ON l.load_id = r._load_id
        AND l.laestab IS NOT DISTINCT FROM r.laestab
        AND l.urn_only IS NOT DISTINCT FROM (CASE WHEN r.laestab IS NULL THEN r.urn END)
        AND l.academic_year IS NOT DISTINCT FROM r.academic_year AND l.term IS NOT DISTINCT FROM r.term
),
-- One school per LAESTAB for the lookup: an open school before a closed one.
by_laestab AS (
    SELECT laestab, urn
    FROM stg.schools
    WHERE laestab IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY laestab ORDER BY close_date IS NULL DESC, open_date DESC NULLS LAST, urn DESC) = 1
),
-- Pupils listed more than once for a year and term, in any extract loaded.
several AS (
    SELECT upn, academic_year, term FROM raw.attendance GROUP BY ALL HAVING count(*) > 1
),
resolved AS NOT MATERIALIZED (
    SELECT
        a.upn,
        NOT (substr(a.upn, 13, 1) BETWEEN '0' AND '9')                    AS upn_temporary,
        coalesce(a.urn, l.urn)                                            AS urn,
        coalesce(a.laestab, s.laestab)                                    AS laestab,
        coalesce(a.laestab, s.laestab) // 10000                           AS la_code,
        a.academic_year                                                   AS time_period,
        lower(a.term)                                                     AS term,
        a.sessions_possible,
        a.sessions_authorised,
        a.sessions_unauthorised,
        a.sessions_authorised + a.sessions_unauthorised                   AS sessions_absent,
        a.reason_i, a.reason_m, a.reason_r, a.reason_s, a.reason_t, a.reason_h,
        a.reason_e, a.reason_c, a.reason_g, a.reason_u, a.reason_o, a.reason_n,
        a.term                                                            AS raw_term,
        a._load_id                                                        AS load_id,
        a._line                                                           AS line
    FROM current_rows a
    -- by LAESTAB, used only where the row gives no URN; a plain equality, which
    -- DuckDB hashes (adding 'a.urn IS NULL' here made it a nested loop)
    LEFT JOIN by_laestab l ON l.laestab = a.laestab
    LEFT JOIN stg.schools s ON s.urn = a.urn
),
-- A pupil listed twice for the same school and term keeps the row of the
-- latest load, then the last line; duplicates counts the others. Only
-- pupils listed more than once for a year and term in any extract loaded
-- (a superset of those) can be, and they are few: their rows alone go
-- through the windows, where a window over every row of a national year
-- took most of the model's time.
kept AS (
    SELECT *, 0 AS duplicates
    FROM resolved r
    ANTI JOIN several d ON d.upn IS NOT DISTINCT FROM r.upn AND d.academic_year IS NOT DISTINCT FROM r.time_period
        AND d.term IS NOT DISTINCT FROM r.raw_term
    UNION ALL BY NAME
    SELECT *, count(*) OVER (PARTITION BY upn, time_period, raw_term, urn, laestab) - 1 AS duplicates
    FROM (SELECT r.*
          FROM resolved r
          SEMI JOIN several d ON d.upn IS NOT DISTINCT FROM r.upn AND d.academic_year IS NOT DISTINCT FROM r.time_period
              AND d.term IS NOT DISTINCT FROM r.raw_term)
    QUALIFY row_number() OVER (PARTITION BY upn, time_period, raw_term, urn, laestab ORDER BY load_id DESC, line DESC) = 1
)
SELECT upn, upn_temporary, urn, laestab, la_code, time_period, term,
       sessions_possible, sessions_authorised, sessions_unauthorised, sessions_absent,
       reason_i, reason_m, reason_r, reason_s, reason_t, reason_h,
       reason_e, reason_c, reason_g, reason_u, reason_o, reason_n,
       duplicates, load_id, line
FROM kept
