-- gaps_published: the gaps DfE itself publishes in the performance tables,
-- for schools, LAs and England, one row per year, entity, measure and
-- comparison. Read as published, never recomputed from pupils; mart.gaps
-- unions these rows with the ones edwh computes from pupil data.
--
-- gap = group_value - reference_value (DfE's sign in its DIFFN_ fields): for
-- attainment and progress a negative gap means the group is behind.
--
-- Comparisons and the DfE fields behind them:
--  disadvantaged_vs_other: disadvantaged pupils (FSM6CLA1A: free school
--      meals in the last six years, looked after or adopted from care)
--      against the other pupils of the same school or LA.
--      KS2: PTRWM_EXP_FSM6CLA1A vs PTRWM_EXP_NotFSM6CLA1A (n TFSM6CLA1A,
--      TNotFSM6CLA1A), PTRWM_HIGH_..., READPROG_/WRITPROG_/MATPROG_FSM6CLA1A
--      vs _NotFSM6CLA1A. KS4: ATT8SCR_FSM6CLA1A vs ATT8SCR_NFSM6CLA1A (n
--      TFSM6CLA1A, TNOTFSM6CLA1A), P8MEA_FSM6CLA1A vs P8MEA_NFSM6CLA1A (n
--      P8PUP_...), PTFSM6CLA1ABASICS_94/95 vs PTNOTFSM6CLA1ABASICS_94/95,
--      EBACCAPS_FSM6CLA1A vs EBACCAPS_NFSM6CLA1A.
--  disadvantaged_vs_national_other: the school's or LA's disadvantaged
--      pupils against non-disadvantaged pupils nationally: gap is DfE's
--      DIFFN_RWM_EXP, DIFFN_RWM_HIGH, DIFFN_READPROG, DIFFN_WRITPROG,
--      DIFFN_MATPROG (KS2), DIFFN_ATT8, DIFFN_P8MEA (KS4) as published;
--      reference_value is the national figure for other pupils from the
--      national row of the same file (state-funded schools).
--  boys_vs_girls: KS2 PTRWM_EXP_B vs PTRWM_EXP_G (n BELIG, GELIG) and
--      PTRWM_HIGH_B/_G; KS4 ATT8SCR_BOYS vs ATT8SCR_GIRLS and P8MEA_BOYS
--      vs P8MEA_GIRLS (n P8PUP_BOYS, P8PUP_GIRLS).
--
-- suppressed is true when DfE suppressed either side or the published gap
-- (SUPP, or EES c): DfE
-- suppresses figures about five pupils or fewer, and its suppression is
-- kept, not redone. Rows with neither a value nor a suppression on either
-- side (NA, NE, a field the file lacks) are left out. gap_index is not
-- published at school or LA level and is NULL here.
-- depends: stg.perf_ks2, stg.perf_ks4
-- check: not_null time_period, level, key_stage, measure, comparison, suppressed
-- check: unique time_period, level, la_code, urn, measure, comparison
-- check: accepted_values comparison = 'disadvantaged_vs_other', 'disadvantaged_vs_national_other', 'boys_vs_girls'
WITH ks2 AS (
    SELECT time_period, level, national_scope, la_code, urn, 'ks2' AS key_stage, unnest([
        {'measure': 'ks2_rwm_expected', 'comparison': 'disadvantaged_vs_other', 'codes': 'PTRWM_EXP_FSM6CLA1A vs PTRWM_EXP_NotFSM6CLA1A',
         'group_n': disadv_pupils, 'group_value': rwm_expected_disadv_pct, 'group_status': rwm_expected_disadv_pct_status,
         'reference_n': other_pupils, 'reference_value': rwm_expected_other_pct, 'reference_status': rwm_expected_other_pct_status,
         'published_gap': NULL::DOUBLE, 'gap_status': NULL::VARCHAR},
        {'measure': 'ks2_rwm_high', 'comparison': 'disadvantaged_vs_other', 'codes': 'PTRWM_HIGH_FSM6CLA1A vs PTRWM_HIGH_NotFSM6CLA1A',
         'group_n': disadv_pupils, 'group_value': rwm_high_disadv_pct, 'group_status': rwm_high_disadv_pct_status,
         'reference_n': other_pupils, 'reference_value': rwm_high_other_pct, 'reference_status': rwm_high_other_pct_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'ks2_reading_progress', 'comparison': 'disadvantaged_vs_other', 'codes': 'READPROG_FSM6CLA1A vs READPROG_NotFSM6CLA1A',
         'group_n': disadv_pupils, 'group_value': reading_progress_disadv, 'group_status': reading_progress_disadv_status,
         'reference_n': other_pupils, 'reference_value': reading_progress_other, 'reference_status': reading_progress_other_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'ks2_writing_progress', 'comparison': 'disadvantaged_vs_other', 'codes': 'WRITPROG_FSM6CLA1A vs WRITPROG_NotFSM6CLA1A',
         'group_n': disadv_pupils, 'group_value': writing_progress_disadv, 'group_status': writing_progress_disadv_status,
         'reference_n': other_pupils, 'reference_value': writing_progress_other, 'reference_status': writing_progress_other_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'ks2_maths_progress', 'comparison': 'disadvantaged_vs_other', 'codes': 'MATPROG_FSM6CLA1A vs MATPROG_NotFSM6CLA1A',
         'group_n': disadv_pupils, 'group_value': maths_progress_disadv, 'group_status': maths_progress_disadv_status,
         'reference_n': other_pupils, 'reference_value': maths_progress_other, 'reference_status': maths_progress_other_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'ks2_rwm_expected', 'comparison': 'disadvantaged_vs_national_other', 'codes': 'DIFFN_RWM_EXP',
         'group_n': disadv_pupils, 'group_value': rwm_expected_disadv_pct, 'group_status': rwm_expected_disadv_pct_status,
         'reference_n': NULL, 'reference_value': NULL, 'reference_status': NULL,
         'published_gap': rwm_expected_gap_national, 'gap_status': rwm_expected_gap_national_status},
        {'measure': 'ks2_rwm_high', 'comparison': 'disadvantaged_vs_national_other', 'codes': 'DIFFN_RWM_HIGH',
         'group_n': disadv_pupils, 'group_value': rwm_high_disadv_pct, 'group_status': rwm_high_disadv_pct_status,
         'reference_n': NULL, 'reference_value': NULL, 'reference_status': NULL,
         'published_gap': rwm_high_gap_national, 'gap_status': rwm_high_gap_national_status},
        {'measure': 'ks2_reading_progress', 'comparison': 'disadvantaged_vs_national_other', 'codes': 'DIFFN_READPROG',
         'group_n': disadv_pupils, 'group_value': reading_progress_disadv, 'group_status': reading_progress_disadv_status,
         'reference_n': NULL, 'reference_value': NULL, 'reference_status': NULL,
         'published_gap': reading_progress_gap_national, 'gap_status': reading_progress_gap_national_status},
        {'measure': 'ks2_writing_progress', 'comparison': 'disadvantaged_vs_national_other', 'codes': 'DIFFN_WRITPROG',
         'group_n': disadv_pupils, 'group_value': writing_progress_disadv, 'group_status': writing_progress_disadv_status,
         'reference_n': NULL, 'reference_value': NULL, 'reference_status': NULL,
         'published_gap': writing_progress_gap_national, 'gap_status': writing_progress_gap_national_status},
        {'measure': 'ks2_maths_progress', 'comparison': 'disadvantaged_vs_national_other', 'codes': 'DIFFN_MATPROG',
         'group_n': disadv_pupils, 'group_value': maths_progress_disadv, 'group_status': maths_progress_disadv_status,
         'reference_n': NULL, 'reference_value': NULL, 'reference_status': NULL,
         'published_gap': maths_progress_gap_national, 'gap_status': maths_progress_gap_national_status},
        {'measure': 'ks2_rwm_expected', 'comparison': 'boys_vs_girls', 'codes': 'PTRWM_EXP_B vs PTRWM_EXP_G',
         'group_n': boys, 'group_value': rwm_expected_boys_pct, 'group_status': rwm_expected_boys_pct_status,
         'reference_n': girls, 'reference_value': rwm_expected_girls_pct, 'reference_status': rwm_expected_girls_pct_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'ks2_rwm_high', 'comparison': 'boys_vs_girls', 'codes': 'PTRWM_HIGH_B vs PTRWM_HIGH_G',
         'group_n': boys, 'group_value': rwm_high_boys_pct, 'group_status': rwm_high_boys_pct_status,
         'reference_n': girls, 'reference_value': rwm_high_girls_pct, 'reference_status': rwm_high_girls_pct_status,
         'published_gap': NULL, 'gap_status': NULL}
    ]) AS g
    FROM stg.perf_ks2
    WHERE level <> 'national' OR national_scope = 'state-funded'
),
ks4 AS (
    SELECT time_period, level, national_scope, la_code, urn, 'ks4' AS key_stage, unnest([
        {'measure': 'att8', 'comparison': 'disadvantaged_vs_other', 'codes': 'ATT8SCR_FSM6CLA1A vs ATT8SCR_NFSM6CLA1A',
         'group_n': disadv_pupils, 'group_value': att8_disadv, 'group_status': att8_disadv_status,
         'reference_n': other_pupils, 'reference_value': att8_other, 'reference_status': att8_other_status,
         'published_gap': NULL::DOUBLE, 'gap_status': NULL::VARCHAR},
        {'measure': 'p8', 'comparison': 'disadvantaged_vs_other', 'codes': 'P8MEA_FSM6CLA1A vs P8MEA_NFSM6CLA1A',
         'group_n': p8_pupils_disadv, 'group_value': p8_disadv, 'group_status': p8_disadv_status,
         'reference_n': p8_pupils_other, 'reference_value': p8_other, 'reference_status': p8_other_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'eng_maths_4plus', 'comparison': 'disadvantaged_vs_other', 'codes': 'PTFSM6CLA1ABASICS_94 vs PTNOTFSM6CLA1ABASICS_94',
         'group_n': disadv_pupils, 'group_value': eng_maths_4plus_disadv_pct, 'group_status': eng_maths_4plus_disadv_pct_status,
         'reference_n': other_pupils, 'reference_value': eng_maths_4plus_other_pct, 'reference_status': eng_maths_4plus_other_pct_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'eng_maths_5plus', 'comparison': 'disadvantaged_vs_other', 'codes': 'PTFSM6CLA1ABASICS_95 vs PTNOTFSM6CLA1ABASICS_95',
         'group_n': disadv_pupils, 'group_value': eng_maths_5plus_disadv_pct, 'group_status': eng_maths_5plus_disadv_pct_status,
         'reference_n': other_pupils, 'reference_value': eng_maths_5plus_other_pct, 'reference_status': eng_maths_5plus_other_pct_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'ebacc_aps', 'comparison': 'disadvantaged_vs_other', 'codes': 'EBACCAPS_FSM6CLA1A vs EBACCAPS_NFSM6CLA1A',
         'group_n': disadv_pupils, 'group_value': ebacc_aps_disadv, 'group_status': ebacc_aps_disadv_status,
         'reference_n': other_pupils, 'reference_value': ebacc_aps_other, 'reference_status': ebacc_aps_other_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'att8', 'comparison': 'disadvantaged_vs_national_other', 'codes': 'DIFFN_ATT8',
         'group_n': disadv_pupils, 'group_value': att8_disadv, 'group_status': att8_disadv_status,
         'reference_n': NULL, 'reference_value': NULL, 'reference_status': NULL,
         'published_gap': att8_gap_national, 'gap_status': att8_gap_national_status},
        {'measure': 'p8', 'comparison': 'disadvantaged_vs_national_other', 'codes': 'DIFFN_P8MEA',
         'group_n': p8_pupils_disadv, 'group_value': p8_disadv, 'group_status': p8_disadv_status,
         'reference_n': NULL, 'reference_value': NULL, 'reference_status': NULL,
         'published_gap': p8_gap_national, 'gap_status': p8_gap_national_status},
        {'measure': 'att8', 'comparison': 'boys_vs_girls', 'codes': 'ATT8SCR_BOYS vs ATT8SCR_GIRLS',
         'group_n': p8_pupils_boys, 'group_value': att8_boys, 'group_status': att8_boys_status,
         'reference_n': p8_pupils_girls, 'reference_value': att8_girls, 'reference_status': att8_girls_status,
         'published_gap': NULL, 'gap_status': NULL},
        {'measure': 'p8', 'comparison': 'boys_vs_girls', 'codes': 'P8MEA_BOYS vs P8MEA_GIRLS',
         'group_n': p8_pupils_boys, 'group_value': p8_boys, 'group_status': p8_boys_status,
         'reference_n': p8_pupils_girls, 'reference_value': p8_girls, 'reference_status': p8_girls_status,
         'published_gap': NULL, 'gap_status': NULL}
    ]) AS g
    FROM stg.perf_ks4
    WHERE level <> 'national' OR national_scope = 'state-funded'
),
pairs AS (
    SELECT time_period, level, la_code, urn, key_stage, unnest(g) FROM ks2
    UNION ALL
    SELECT time_period, level, la_code, urn, key_stage, unnest(g) FROM ks4
),
-- England's figure for other pupils, for the comparisons with them
national_other AS (
    SELECT time_period, key_stage, measure, reference_n, reference_value, reference_status
    FROM pairs
    WHERE level = 'national' AND comparison = 'disadvantaged_vs_other'
),
resolved AS (
    SELECT p.time_period, p.level, p.la_code, p.urn, p.key_stage, p.measure, p.comparison, p.codes,
        p.group_n, p.group_value, p.group_status,
        CASE WHEN p.comparison = 'disadvantaged_vs_national_other' THEN n.reference_n ELSE p.reference_n END AS reference_n,
        CASE WHEN p.comparison = 'disadvantaged_vs_national_other' THEN n.reference_value ELSE p.reference_value END AS reference_value,
        CASE WHEN p.comparison = 'disadvantaged_vs_national_other' THEN n.reference_status ELSE p.reference_status END AS reference_status,
        p.published_gap,
        p.gap_status
    FROM pairs p
    LEFT JOIN national_other n ON p.comparison = 'disadvantaged_vs_national_other'
        AND n.time_period = p.time_period AND n.key_stage = p.key_stage AND n.measure = p.measure
    -- DfE's national row compares England with itself (DIFFN 0): not a gap
    WHERE NOT (p.level = 'national' AND p.comparison = 'disadvantaged_vs_national_other')
),
flagged AS (
    SELECT *,
        coalesce(upper(group_status) IN ('SUPP', 'C'), false)
            OR coalesce(upper(reference_status) IN ('SUPP', 'C'), false)
            OR coalesce(upper(gap_status) IN ('SUPP', 'C'), false) AS suppressed
    FROM resolved
)
SELECT
    time_period,
    edwh_year_label(time_period) AS academic_year,
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
    CASE WHEN suppressed THEN NULL
         WHEN comparison = 'disadvantaged_vs_national_other' THEN published_gap
         ELSE round(group_value - reference_value, 6) END AS gap,
    CAST(NULL AS DOUBLE) AS gap_index,
    suppressed,
    group_status,
    reference_status,
    codes AS dfe_codes
FROM flagged
WHERE suppressed
   OR group_value IS NOT NULL
   OR (comparison = 'disadvantaged_vs_national_other' AND published_gap IS NOT NULL)
