-- ks1: phonics screening check and end of KS1 teacher assessment results in
-- force, one row per pupil, academic year and assessment ('phonics' or
-- 'ks1'). A file row with both a phonics result and teacher assessments
-- gives one row of each.
--
-- Supersession: for each school, academic year and assessment, the rows of
-- the latest file that has results of that assessment for the school. A
-- phonics file therefore never replaces the teacher assessments sent in an
-- earlier file, and the other way round. Superseded rows stay in raw.ks1.
-- School keys are resolved through stg.schools (LAESTAB to URN and back);
-- results are attributed to the school of the results file.
--
-- A pupil listed twice for the same assessment and year (two schools, or
-- twice in one file) keeps the row of the latest file (then the last line);
-- duplicates counts the others, and the results_duplicate_pupils check
-- lists them. A row with no result at all gives no row here (see the
-- ks_rows_without_result check).
-- depends: raw.ks1, stg.schools
-- check: not_null upn, time_period, assessment
-- check: unique upn, time_period, assessment
-- check: accepted_values assessment = 'phonics', 'ks1'
-- check: relationships urn -> stg.schools.urn (warn)
WITH parts AS (
    SELECT *, 'phonics' AS assessment
    FROM raw.ks1
    WHERE phonics_mark IS NOT NULL OR phonics_mark_code IS NOT NULL
    UNION ALL BY NAME
    SELECT *, 'ks1' AS assessment
    FROM raw.ks1
    WHERE coalesce(ks1_read_ta, ks1_writ_ta, ks1_mat_ta) IS NOT NULL
),
current_rows AS (
    SELECT *
    FROM parts
    QUALIFY _load_id = max(_load_id) OVER (
        PARTITION BY coalesce(CAST(laestab AS VARCHAR), 'urn' || CAST(urn AS VARCHAR)), academic_year, assessment)
),
-- One school per LAESTAB for the lookup: an open school before a closed one.
by_laestab AS (
    SELECT laestab, urn
    FROM stg.schools
    WHERE laestab IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY laestab ORDER BY close_date IS NULL DESC, open_date DESC NULLS LAST, urn DESC) = 1
),
resolved AS (
    SELECT
        k.upn,
        coalesce(k.urn, l.urn)                  AS urn,
        coalesce(k.laestab, s.laestab)          AS laestab,
        k.academic_year                         AS time_period,
        k.assessment,
        CASE WHEN k.assessment = 'phonics' THEN k.phonics_mark END      AS phonics_mark,
        CASE WHEN k.assessment = 'phonics' THEN k.phonics_mark_code END AS phonics_code,
        CASE WHEN k.assessment = 'ks1' THEN k.ks1_read_ta END           AS read_ta,
        CASE WHEN k.assessment = 'ks1' THEN k.ks1_writ_ta END           AS writ_ta,
        CASE WHEN k.assessment = 'ks1' THEN k.ks1_mat_ta END            AS mat_ta,
        k._load_id                              AS load_id,
        k._line                                 AS line
    FROM current_rows k
    -- by LAESTAB, used only where the row gives no URN; a plain equality, which
    -- DuckDB hashes (adding 'k.urn IS NULL' here made it a nested loop)
    LEFT JOIN by_laestab l ON l.laestab = k.laestab
    LEFT JOIN stg.schools s ON s.urn = k.urn
)
SELECT
    upn,
    NOT (substr(upn, 13, 1) BETWEEN '0' AND '9')                      AS upn_temporary,
    urn,
    laestab,
    laestab // 10000                                                  AS la_code,
    time_period,
    assessment,
    phonics_mark,
    phonics_code,
    read_ta,
    writ_ta,
    mat_ta,
    count(*) OVER (PARTITION BY upn, time_period, assessment) - 1    AS duplicates,
    load_id,
    line
FROM resolved
QUALIFY row_number() OVER (PARTITION BY upn, time_period, assessment ORDER BY load_id DESC, line DESC) = 1
