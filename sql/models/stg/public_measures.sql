-- public_measures: every published figure edwh ranks, in one long table:
-- one row per academic year, level (school, la, national), entity and
-- measure, from the performance tables (KS2, KS4, absence) and Explore
-- Education Statistics (absence, exclusions). Which DfE fields are ranked,
-- under what name and in which direction is stg.measure_definitions.
--
-- A figure DfE did not publish has a NULL value and its marker in status
-- (SUPP, NE, NA, blank; EES c, x, z, low). pupils is the count the figure
-- is of, as published: eligible pupils (KS2 TELIG), pupils at the end of
-- KS4 (TPUP), enrolments (EES absence) or headcount (EES exclusions).
--
-- EES rows are kept at school level (one per school: see below) and, for
-- LAs and England, for the all-schools total only (school_type or
-- education_phase 'Total'); the
-- performance tables' national absence rows are by phase, so carry
-- national_scope 'primary', 'secondary' or 'special'.
-- depends: stg.perf_ks2, stg.perf_ks4, stg.perf_abs, stg.ees_measures, stg.measure_definitions
-- check: not_null time_period, level, measure, source, dfe_code
-- check: unique time_period, level, national_scope, la_code, urn, laestab, measure, source
-- check: accepted_values level = 'school', 'la', 'national'
WITH ks2 AS (
    SELECT time_period, level, national_scope, la_code, urn, laestab, name, NULL AS release, pupils, load_id,
           unnest(['PTRWM_EXP', 'PTRWM_HIGH', 'READPROG', 'WRITPROG', 'MATPROG', 'READ_AVERAGE', 'MAT_AVERAGE', 'GPS_AVERAGE']) AS dfe_code,
           unnest([rwm_expected_pct, rwm_high_pct, reading_progress, writing_progress, maths_progress,
                   reading_score, maths_score, gps_score]) AS value,
           unnest([rwm_expected_pct_status, rwm_high_pct_status, reading_progress_status, writing_progress_status,
                   maths_progress_status, reading_score_status, maths_score_status, gps_score_status]) AS status
    FROM stg.perf_ks2
),
ks4 AS (
    SELECT time_period, level, national_scope, la_code, urn, laestab, name, release, pupils, load_id,
           unnest(['P8MEA', 'ATT8SCR', 'PTL2BASICS_94', 'PTL2BASICS_95', 'EBACCAPS', 'PTEBACC_E_PTQ_EE']) AS dfe_code,
           unnest([p8, att8, eng_maths_4plus_pct, eng_maths_5plus_pct, ebacc_aps, ebacc_entry_pct]) AS value,
           unnest([p8_status, att8_status, eng_maths_4plus_pct_status, eng_maths_5plus_pct_status,
                   ebacc_aps_status, ebacc_entry_pct_status]) AS status
    FROM stg.perf_ks4
),
abs AS (
    SELECT time_period, level, phase AS national_scope, la_code, urn, laestab, NULL AS name, NULL AS release,
           CAST(NULL AS DOUBLE) AS pupils, load_id,
           unnest(['PERCTOT', 'PPERSABS10']) AS dfe_code,
           unnest([overall_absence_pct, persistent_absence_pct]) AS value,
           unnest([overall_absence_pct_status, persistent_absence_pct_status]) AS status
    FROM stg.perf_abs
),
ees AS (
    SELECT time_period, level,
           CASE WHEN level = 'national' THEN 'total' END AS national_scope,
           la_code, urn, laestab,
           CASE WHEN level = 'school' THEN school_name ELSE area_name END AS name,
           NULL AS release, pupils, load_id, dfe_code, value, status
    FROM stg.ees_measures
    WHERE level = 'school'
       OR (level IN ('la', 'national') AND coalesce(school_type, education_phase, 'Total') = 'Total')
    -- A school EES lists under two phases in one year (a school that
    -- changed phase, with 0 pupils in one row) counts once: the row with a
    -- figure and the most pupils.
    QUALIFY row_number() OVER (PARTITION BY time_period, level, la_code, urn, laestab, dfe_code
                               ORDER BY value IS NOT NULL DESC, pupils DESC NULLS LAST, load_id DESC) = 1
),
all_ AS (
    SELECT 'perf_ks2' AS source, * FROM ks2
    UNION ALL BY NAME SELECT 'perf_ks4' AS source, * FROM ks4
    UNION ALL BY NAME SELECT 'perf_abs' AS source, * FROM abs
    UNION ALL BY NAME SELECT 'ees' AS source, * FROM ees
)
SELECT
    a.time_period,
    edwh_year_label(a.time_period) AS academic_year,
    a.level,
    a.national_scope,
    a.la_code,
    a.urn,
    a.laestab,
    a.name,
    d.measure,
    d.label,
    d.unit,
    d.higher_is_better,
    a.source,
    a.dfe_code,
    a.release,
    a.value,
    a.status,
    a.pupils,
    a.load_id
FROM all_ a
JOIN stg.measure_definitions d ON d.source = a.source AND d.dfe_code = a.dfe_code
-- Rows for a measure the file does not have at all carry neither a value
-- nor a marker.
WHERE a.value IS NOT NULL OR a.status IS NOT NULL
