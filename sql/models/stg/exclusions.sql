-- exclusions: suspensions, permanent exclusions and lunchtime exclusions in
-- force, one row per exclusion. category is 'SUSP' (suspension; the legacy
-- code FIXD, fixed period exclusion, was mapped to it at load), 'PERM'
-- (permanent exclusion) or 'LNCH' (lunchtime exclusion). sessions are half
-- days. time_period is the academic year of the start date (years start on
-- 1 September).
--
-- Supersession: an exclusions extract holds a school's exclusions for the
-- academic year to date, so for each school and academic year the rows of
-- the latest file are in force; earlier ones stay in raw.exclusions. If
-- schools send one file per term instead, a later term's file would
-- supersede the earlier terms: the exclusions_superseded_uncovered check
-- warns when a superseded file had exclusions dated outside the range of
-- the file that replaced it. School keys are resolved through stg.schools.
-- depends: raw.exclusions, stg.schools
-- check: not_null upn, time_period, category, start_date
-- check: accepted_values category = 'SUSP', 'PERM', 'LNCH'
-- check: relationships urn -> stg.schools.urn (warn)
WITH current_rows AS (
    SELECT *
    FROM raw.exclusions
    QUALIFY _load_id = max(_load_id) OVER (
        PARTITION BY coalesce(CAST(laestab AS VARCHAR), 'urn' || CAST(urn AS VARCHAR)), edwh_year_of(start_date))
),
-- One school per LAESTAB for the lookup: an open school before a closed one.
by_laestab AS (
    SELECT laestab, urn
    FROM stg.schools
    WHERE laestab IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY laestab ORDER BY close_date IS NULL DESC, open_date DESC NULLS LAST, urn DESC) = 1
)
SELECT
    e.upn,
    NOT (substr(e.upn, 13, 1) BETWEEN '0' AND '9')                    AS upn_temporary,
    coalesce(e.urn, l.urn)                                            AS urn,
    coalesce(e.laestab, s.laestab)                                    AS laestab,
    coalesce(e.laestab, s.laestab) // 10000                           AS la_code,
    CAST(edwh_year_of(e.start_date) AS INTEGER)                       AS time_period,
    e.category,
    e.start_date,
    e.sessions,
    e.reason1,
    e.reason2,
    e.reason3,
    e._load_id                                                        AS load_id,
    e._line                                                           AS line
FROM current_rows e
-- by LAESTAB, used only where the row gives no URN; a plain equality, which
-- DuckDB hashes (adding 'e.urn IS NULL' here made it a nested loop)
LEFT JOIN by_laestab l ON l.laestab = e.laestab
LEFT JOIN stg.schools s ON s.urn = e.urn
