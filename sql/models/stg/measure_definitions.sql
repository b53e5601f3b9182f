-- measure_definitions: the published figures edwh ranks, one row per source
-- file family and DfE field code: the readable measure name it is ranked
-- under, its label and unit, and which direction is better. This is the one
-- place to add a measure to mart.rankings (the stg model of its source must
-- list the field too).
--
-- Direction: higher is better for attainment and progress (KS2 RWM, Progress
-- 8, Attainment 8, English and maths passes, EBacc); lower is better for
-- absence and exclusions. Ranks follow the direction, so rank 1 is always
-- the best figure.
--
-- The same measure can come from two sources (overall absence is PERCTOT
-- in the performance tables and sess_overall_percent in EES); mart.rankings
-- ranks each source separately and names it.
-- check: unique source, dfe_code
-- check: not_null measure, label, higher_is_better
SELECT *
FROM (VALUES
    -- Performance tables, KS2 (ks2_meta.csv)
    ('perf_ks2', 'PTRWM_EXP',    'ks2_rwm_expected',     'KS2: % reaching the expected standard in reading, writing and maths', '%', true),
    ('perf_ks2', 'PTRWM_HIGH',   'ks2_rwm_high',         'KS2: % achieving a high score in reading and maths and greater depth in writing', '%', true),
    ('perf_ks2', 'READPROG',     'ks2_reading_progress', 'KS2: reading progress score', 'score', true),
    ('perf_ks2', 'WRITPROG',     'ks2_writing_progress', 'KS2: writing progress score', 'score', true),
    ('perf_ks2', 'MATPROG',      'ks2_maths_progress',   'KS2: maths progress score', 'score', true),
    ('perf_ks2', 'READ_AVERAGE', 'ks2_reading_score',    'KS2: average scaled score in reading', 'scaled score', true),
    ('perf_ks2', 'MAT_AVERAGE',  'ks2_maths_score',      'KS2: average scaled score in maths', 'scaled score', true),
    ('perf_ks2', 'GPS_AVERAGE',  'ks2_gps_score',        'KS2: average scaled score in grammar, punctuation and spelling', 'scaled score', true),
    -- Performance tables, KS4 (ks4_final_meta.csv)
    ('perf_ks4', 'P8MEA',            'p8',              'KS4: Progress 8 (adjusted for extreme scores)', 'score', true),
    ('perf_ks4', 'ATT8SCR',          'att8',            'KS4: average Attainment 8 score', 'points', true),
    ('perf_ks4', 'PTL2BASICS_94',    'eng_maths_4plus', 'KS4: % achieving grade 4 or above in English and maths', '%', true),
    ('perf_ks4', 'PTL2BASICS_95',    'eng_maths_5plus', 'KS4: % achieving grade 5 or above in English and maths', '%', true),
    ('perf_ks4', 'EBACCAPS',         'ebacc_aps',       'KS4: EBacc average point score', 'points', true),
    ('perf_ks4', 'PTEBACC_E_PTQ_EE', 'ebacc_entry',     'KS4: % entering all EBacc subject areas', '%', true),
    -- Performance tables, absence (a year behind the tables' year)
    ('perf_abs', 'PERCTOT',    'overall_absence',    'Overall absence: % of possible sessions missed', '%', false),
    ('perf_abs', 'PPERSABS10', 'persistent_absence', 'Persistent absence: % of pupils missing 10% or more of sessions', '%', false),
    -- Explore Education Statistics, absence
    ('ees', 'sess_overall_percent',           'overall_absence',      'Overall absence: % of possible sessions missed', '%', false),
    ('ees', 'sess_unauthorised_percent',      'unauthorised_absence', 'Unauthorised absence: % of possible sessions missed', '%', false),
    ('ees', 'enrolments_pa_10_exact_percent', 'persistent_absence',   'Persistent absence: % of enrolments missing 10% or more of sessions', '%', false),
    ('ees', 'enrolments_pa_50_exact_percent', 'severe_absence',       'Severe absence: % of enrolments missing 50% or more of sessions', '%', false),
    -- Explore Education Statistics, exclusions and suspensions. Fixed
    -- period exclusions were renamed suspensions in 2021/22.
    ('ees', 'perm_excl_rate',      'permanent_exclusion_rate', 'Permanent exclusions per 100 pupils', 'per 100 pupils', false),
    ('ees', 'fixed_excl_rate',     'suspension_rate',          'Suspensions (fixed period exclusions) per 100 pupils', 'per 100 pupils', false),
    ('ees', 'susp_rate',           'suspension_rate',          'Suspensions (fixed period exclusions) per 100 pupils', 'per 100 pupils', false),
    ('ees', 'one_plus_fixed_rate', 'one_plus_suspension_rate', '% of pupils with one or more suspensions', '%', false),
    ('ees', 'one_plus_susp_rate',  'one_plus_suspension_rate', '% of pupils with one or more suspensions', '%', false)
) AS d(source, dfe_code, measure, label, unit, higher_is_better)
