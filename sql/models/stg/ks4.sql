-- ks4: end of KS4 results in force, one row per pupil and academic year:
-- Attainment 8 (0-90) and its English, maths, EBacc and open elements, the
-- KS2 baseline, Progress 8 as DfE supplied it (never recomputed here),
-- English and maths GCSE grades and the headline flags as supplied.
--
-- Supersession: for each school and academic year, the rows of the latest
-- file (a re-issue replaces the earlier one, which stays in raw.ks4). KS4
-- files often key schools by URN only: the LAESTAB comes from stg.schools.
-- Results are attributed to the school of the results file. A pupil listed
-- twice in a year keeps the row of the latest file (then the last line);
-- duplicates counts the others.
-- depends: raw.ks4, stg.schools
-- check: not_null upn, time_period, att8
-- check: unique upn, time_period
-- check: relationships urn -> stg.schools.urn (warn)
WITH current_rows AS (
    SELECT *
    FROM raw.ks4
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
    k.att8,
    k.att8_eng,
    k.att8_mat,
    k.att8_ebacc,
    k.att8_open,
    k.ks2_baseline,
    k.p8,
    k.english_grade,
    k.maths_grade,
    k.ebacc_entered,
    k.eng_mat_94,
    k.eng_mat_95,
    count(*) OVER (PARTITION BY k.upn, k.academic_year) - 1          AS duplicates,
    k._load_id                                                        AS load_id,
    k._line                                                           AS line
FROM current_rows k
-- by LAESTAB, used only where the row gives no URN; a plain equality, which
-- DuckDB hashes (adding 'k.urn IS NULL' here made it a nested loop)
LEFT JOIN by_laestab l ON l.laestab = k.laestab
LEFT JOIN stg.schools s ON s.urn = k.urn
QUALIFY row_number() OVER (PARTITION BY k.upn, k.academic_year ORDER BY k._load_id DESC, k._line DESC) = 1
