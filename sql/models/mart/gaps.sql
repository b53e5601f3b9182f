-- gaps: the gap between a pupil group and its reference group, per academic
-- year, level ('school', 'la', 'national'), measure and comparison:
-- disadvantaged_vs_other, disadvantaged_vs_national_other, boys_vs_girls,
-- and (from pupil data) sen_support_vs_no_sen, ehcp_vs_no_sen,
-- any_sen_vs_no_sen, eal_vs_english.
--
-- gap = group_value - reference_value: for attainment and progress a
-- negative gap means the group is behind. gap_index is DfE's rank-based
-- disadvantage gap index where it is defined (0 = no gap, up to 10).
-- suppressed rows carry NULL values; group_status and reference_status say
-- what DfE published instead of a figure (SUPP, NE, NA, ...).
--
-- source says where a row comes from: 'dfe_published' rows are DfE's own
-- figures from the performance tables (stg.gaps_published, with the DfE
-- field codes in dfe_codes). Rows computed by edwh from pupil data come
-- from their own model with the same columns, appended here with one more
-- UNION ALL branch (source 'pupil_data'), so every model's rows are in one
-- mart and stay comparable. Pupil-data rows: stg.gaps_pupil (every measure
-- of stg.gap_cells, with primary and secondary suppression) and
-- stg.gap_index (the KS2 and KS4 disadvantage gap index, ranked within the
-- data loaded).
-- depends: stg.gaps_published, stg.gaps_pupil, stg.gap_index
-- check: not_null time_period, academic_year, level, measure, comparison, suppressed, source
-- check: unique time_period, level, la_code, urn, key_stage, measure, comparison, source
-- check: accepted_values level = 'school', 'la', 'national'
SELECT
    time_period,
    academic_year,
    level,
    urn,
    la_code,
    key_stage,
    measure,
    comparison,
    group_n,
    group_value,
    reference_n,
    reference_value,
    gap,
    gap_index,
    suppressed,
    group_status,
    reference_status,
    dfe_codes,
    'dfe_published' AS source
FROM stg.gaps_published
UNION ALL
SELECT
    time_period,
    edwh_year_label(time_period) AS academic_year,
    level, urn, la_code,
    CASE WHEN measure LIKE 'phonics%' THEN 'phonics'
         WHEN measure LIKE 'ks1%' THEN 'ks1'
         WHEN measure LIKE 'ks2%' THEN 'ks2'
         WHEN measure LIKE 'ks4%' THEN 'ks4' END AS key_stage,
    measure, comparison, group_n,
    -- Rounded to 6 decimal places: sums computed in parallel can differ in
    -- the 16th digit from run to run, and the same data must publish the
    -- same figures.
    round(group_value, 6) AS group_value, reference_n, round(reference_value, 6) AS reference_value,
    round(gap, 6) AS gap, round(gap_index, 6) AS gap_index, suppressed,
    CAST(NULL AS VARCHAR) AS group_status, CAST(NULL AS VARCHAR) AS reference_status, CAST(NULL AS VARCHAR) AS dfe_codes,
    'pupil_data' AS source
FROM (SELECT * FROM stg.gaps_pupil UNION ALL BY NAME SELECT * FROM stg.gap_index)
