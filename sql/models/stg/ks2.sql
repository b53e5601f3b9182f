-- ks2: end of KS2 results in force, one row per pupil and academic year:
-- reading, maths and GPS test scaled scores (80-120) each beside its test
-- outcome code (A absent, B below the standard of the test, ...), the
-- writing teacher assessment, and DfE's progress scores as supplied.
--
-- Supersession: for each school and academic year, the rows of the latest
-- file (a re-issue replaces the earlier one, which stays in raw.ks2).
-- School keys are resolved through stg.schools; results are attributed to
-- the school of the results file. A pupil listed twice in a year keeps the
-- row of the latest file (then the last line); duplicates counts the
-- others, listed by the results_duplicate_pupils check.
-- depends: raw.ks2, stg.schools
-- check: not_null upn, time_period
-- check: unique upn, time_period
-- check: relationships urn -> stg.schools.urn (warn)
WITH current_rows AS (
    SELECT *
    FROM raw.ks2
    QUALIFY _load_id = max(_load_id) OVER (
        PARTITION BY coalesce(CAST(laestab AS VARCHAR), 'urn' || CAST(urn AS VARCHAR)), academic_year)
),
-- One school per LAESTAB for the lookup: an open school before a closed one.
by_laestab AS (
    SELECT laestab, urn
    FROM stg.schools
    WHERE laestab IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY laestab ORDER BY close_date IS NULL DESC, open_date DESC NULLS LAST, urn DESC) = 1
)
SELECT
    k.upn,
    NOT (substr(k.upn, 13, 1) BETWEEN '0' AND '9')                    AS upn_temporary,
    coalesce(k.urn, l.urn)                                            AS urn,
    coalesce(k.laestab, s.laestab)                                    AS laestab,
    coalesce(k.laestab, s.laestab) // 10000                           AS la_code,
    k.academic_year                                                   AS time_period,
    k.read_scaled,
    k.read_scaled_code                                                AS read_code,
    k.mat_scaled,
    k.mat_scaled_code                                                 AS mat_code,
    k.gps_scaled,
    k.gps_scaled_code                                                 AS gps_code,
    k.writ_ta,
    k.read_progress,
    k.writ_progress,
    k.mat_progress,
    count(*) OVER (PARTITION BY k.upn, k.academic_year) - 1          AS duplicates,
    k._load_id                                                        AS load_id,
    k._line                                                           AS line
FROM current_rows k
-- by LAESTAB, used only where the row gives no URN; a plain equality, which
-- DuckDB hashes (adding 'k.urn IS NULL' here made it a nested loop)
LEFT JOIN by_laestab l ON l.laestab = k.laestab
LEFT JOIN stg.schools s ON s.urn = k.urn
QUALIFY row_number() OVER (PARTITION BY k.upn, k.academic_year ORDER BY k._load_id DESC, k._line DESC) = 1
