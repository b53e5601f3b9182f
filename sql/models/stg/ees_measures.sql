-- ees_measures: the Explore Education Statistics indicators edwh ranks, one
-- row per indicator and EES row in force: time_period, geographic level,
-- area (LA code, or school URN / LAESTAB), the school_type or
-- education_phase filter, the value and the symbol published instead of a
-- value (c, x, z, low, ...; raw.ees keeps the symbols upper-cased).
--
-- Only whole academic years are kept (time_identifier 'Academic year'; term
-- rows are in raw.ees). Where two loads carry the same indicator for the
-- same row (a revised file), the latest wins; keying on the indicator lets
-- an absence file and an exclusions file share raw.ees without displacing
-- each other. Every column of every EES file is in raw.ees_wide.
-- depends: raw.ees
-- check: not_null time_period, level, dfe_code
-- check: unique dfe_code, time_period, level, la_code, new_la_code, region_code, urn, laestab, school_type, education_phase
-- check: accepted_values level = 'school', 'la', 'regional', 'national'
WITH rows_ AS (
    SELECT *,
        CASE lower(geographic_level)
            WHEN 'school' THEN 'school' WHEN 'local authority' THEN 'la'
            WHEN 'regional' THEN 'regional' WHEN 'national' THEN 'national'
        END AS level
    FROM raw.ees
    WHERE coalesce(lower(time_identifier), 'academic year') = 'academic year'
),
long AS (
    SELECT time_period, level, old_la_code AS la_code, new_la_code, region_code, urn, laestab,
           coalesce(la_name, region_name) AS area_name, school_name,
           school_type, education_phase, _load_id, _line,
           unnest(['sess_overall_percent', 'sess_unauthorised_percent', 'enrolments_pa_10_exact_percent',
                   'enrolments_pa_50_exact_percent', 'perm_excl_rate', 'fixed_excl_rate', 'susp_rate',
                   'one_plus_fixed_rate', 'one_plus_susp_rate']) AS dfe_code,
           unnest([sess_overall_percent, sess_unauthorised_percent, enrolments_pa_10_exact_percent,
                   enrolments_pa_50_exact_percent, perm_excl_rate, fixed_excl_rate, susp_rate,
                   one_plus_fixed_rate, one_plus_susp_rate]) AS value,
           unnest([sess_overall_percent_status, sess_unauthorised_percent_status, enrolments_pa_10_exact_percent_status,
                   enrolments_pa_50_exact_percent_status, perm_excl_rate_status, fixed_excl_rate_status, susp_rate_status,
                   one_plus_fixed_rate_status, one_plus_susp_rate_status]) AS status,
           -- the denominator the rate is of: enrolments for absence, headcount for exclusions
           unnest([enrolments, enrolments, enrolments, enrolments, headcount, headcount, headcount, headcount, headcount]) AS pupils
    FROM rows_
    WHERE level IS NOT NULL
)
SELECT
    time_period,
    edwh_year_label(time_period) AS academic_year,
    level, la_code, new_la_code, region_code, urn, laestab, area_name, school_name,
    school_type, education_phase, dfe_code, value, status, pupils,
    _load_id AS load_id,
    _line    AS line
FROM long
-- A value, or a symbol saying why there is none; an indicator the file
-- does not have at all is dropped.
WHERE value IS NOT NULL OR status IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY dfe_code, time_period, level, la_code, new_la_code, region_code, urn, laestab, school_type, education_phase
    ORDER BY _load_id DESC, _line DESC) = 1
