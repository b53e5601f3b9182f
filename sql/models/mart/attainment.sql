-- attainment: one row per pupil per key stage result, with the DfE
-- threshold flags derived. key_stage is 'phonics' (phonics screening
-- check), 'ks1' (end of KS1 teacher assessment), 'ks2' or 'ks4'; columns of
-- other key stages are NULL. Results are attributed to the school of the
-- results file (urn), which for a pupil who moved may differ from the
-- census school in mart.pupils. Pupils appear only as pupil_key.
--
-- Flags are true (met), false (in the measure, not met) or NULL (not in the
-- measure). Who counts follows stg.assessment_codes: e.g. a KS2 pupil absent
-- (A) or working below the standard of the test (B) is in the measure as
-- not meeting it; one who left (L) is out of it.
--   phonics_expected: mark >= phonics_expected_mark (32 out of 40).
--   ks1_*_expected: teacher assessment EXS or GDS; ks1_*_gds: GDS;
--     ks1_rwm_expected: all three expected.
--   ks2 read/mat/gps_expected: scaled score >= ks2_expected_score (100);
--     *_high: >= ks2_high_score (110).
--   writ_expected: writing TA EXS or GDS; writ_gds: GDS.
--   rwm_expected (DfE PTRWM_EXP): reading and maths >= 100 and writing EXS
--     or GDS. rwm_high (PTRWM_HIGH): reading and maths >= 110 and writing
--     GDS. NULL when the pupil is out of the measure in any of the three.
--   ks4: att8 and its elements, ks2_baseline and p8 as supplied (Progress 8
--     is DfE's, not recomputed); eng_mat_94 / eng_mat_95 (grade 4+ / 5+ in
--     both English and maths) as supplied, else from the two grades.
-- depends: stg.ks1, stg.ks2, stg.ks4, stg.assessment_codes
-- check: not_null pupil_key, time_period, academic_year, key_stage
-- check: unique pupil_key, time_period, key_stage
-- check: accepted_values key_stage = 'phonics', 'ks1', 'ks2', 'ks4'
-- check: relationships urn -> mart.schools.urn (warn)
WITH codes AS (
    SELECT assessment, code, expected, high FROM stg.assessment_codes
),
phonics AS (
    SELECT
        'phonics' AS key_stage, k.upn, k.time_period, k.urn, k.laestab, k.la_code,
        k.phonics_mark,
        k.phonics_code,
        CASE WHEN k.phonics_mark IS NOT NULL THEN k.phonics_mark >= getvariable('edwh_phonics_expected_mark')
             ELSE c.expected END AS phonics_expected
    FROM stg.ks1 k
    LEFT JOIN codes c ON c.assessment = 'phonics' AND c.code = k.phonics_code
    WHERE k.assessment = 'phonics'
),
ks1 AS (
    SELECT
        'ks1' AS key_stage, k.upn, k.time_period, k.urn, k.laestab, k.la_code,
        k.read_ta AS ks1_read_ta, k.writ_ta AS ks1_writ_ta, k.mat_ta AS ks1_mat_ta,
        r.expected AS ks1_read_expected, w.expected AS ks1_writ_expected, m.expected AS ks1_mat_expected,
        r.high AS ks1_read_gds, w.high AS ks1_writ_gds, m.high AS ks1_mat_gds
    FROM stg.ks1 k
    LEFT JOIN codes r ON r.assessment = 'ks1_ta' AND r.code = k.read_ta
    LEFT JOIN codes w ON w.assessment = 'ks1_ta' AND w.code = k.writ_ta
    LEFT JOIN codes m ON m.assessment = 'ks1_ta' AND m.code = k.mat_ta
    WHERE k.assessment = 'ks1'
),
ks2 AS (
    SELECT
        'ks2' AS key_stage, k.upn, k.time_period, k.urn, k.laestab, k.la_code,
        k.read_scaled, k.read_code, k.mat_scaled, k.mat_code, k.gps_scaled, k.gps_code, k.writ_ta,
        CASE WHEN k.read_scaled IS NOT NULL THEN k.read_scaled >= getvariable('edwh_ks2_expected_score') ELSE r.expected END AS read_expected,
        CASE WHEN k.read_scaled IS NOT NULL THEN k.read_scaled >= getvariable('edwh_ks2_high_score') ELSE r.high END         AS read_high,
        CASE WHEN k.mat_scaled IS NOT NULL THEN k.mat_scaled >= getvariable('edwh_ks2_expected_score') ELSE m.expected END   AS mat_expected,
        CASE WHEN k.mat_scaled IS NOT NULL THEN k.mat_scaled >= getvariable('edwh_ks2_high_score') ELSE m.high END           AS mat_high,
        CASE WHEN k.gps_scaled IS NOT NULL THEN k.gps_scaled >= getvariable('edwh_ks2_expected_score') ELSE g.expected END   AS gps_expected,
        CASE WHEN k.gps_scaled IS NOT NULL THEN k.gps_scaled >= getvariable('edwh_ks2_high_score') ELSE g.high END           AS gps_high,
        w.expected AS writ_expected,
        w.high     AS writ_gds,
        k.read_progress, k.writ_progress, k.mat_progress
    FROM stg.ks2 k
    LEFT JOIN codes r ON r.assessment = 'ks2_test' AND r.code = k.read_code
    LEFT JOIN codes m ON m.assessment = 'ks2_test' AND m.code = k.mat_code
    LEFT JOIN codes g ON g.assessment = 'ks2_test' AND g.code = k.gps_code
    LEFT JOIN codes w ON w.assessment = 'ks2_writing_ta' AND w.code = k.writ_ta
),
ks4 AS (
    SELECT
        'ks4' AS key_stage, upn, time_period, urn, laestab, la_code,
        att8, att8_eng, att8_mat, att8_ebacc, att8_open, ks2_baseline, p8,
        english_grade, maths_grade, ebacc_entered,
        coalesce(eng_mat_94, english_grade >= 4 AND maths_grade >= 4) AS eng_mat_94,
        coalesce(eng_mat_95, english_grade >= 5 AND maths_grade >= 5) AS eng_mat_95
    FROM stg.ks4
),
results AS (
    SELECT * FROM phonics
    UNION ALL BY NAME SELECT * FROM ks1
    UNION ALL BY NAME SELECT * FROM ks2
    UNION ALL BY NAME SELECT * FROM ks4
)
SELECT
    edwh_pupil_key(upn)                     AS pupil_key,
    time_period,
    edwh_year_label(time_period)            AS academic_year,
    key_stage,
    urn,
    laestab,
    la_code,
    -- phonics
    phonics_mark, phonics_code, phonics_expected,
    -- KS1 teacher assessment
    ks1_read_ta, ks1_writ_ta, ks1_mat_ta,
    ks1_read_expected, ks1_writ_expected, ks1_mat_expected,
    CASE WHEN ks1_read_expected IS NULL OR ks1_writ_expected IS NULL OR ks1_mat_expected IS NULL THEN NULL
         ELSE ks1_read_expected AND ks1_writ_expected AND ks1_mat_expected END AS ks1_rwm_expected,
    ks1_read_gds, ks1_writ_gds, ks1_mat_gds,
    -- KS2
    read_scaled, read_code, mat_scaled, mat_code, gps_scaled, gps_code, writ_ta,
    read_expected, read_high, mat_expected, mat_high, gps_expected, gps_high, writ_expected, writ_gds,
    CASE WHEN read_expected IS NULL OR mat_expected IS NULL OR writ_expected IS NULL THEN NULL
         ELSE read_expected AND mat_expected AND writ_expected END AS rwm_expected,
    CASE WHEN read_high IS NULL OR mat_high IS NULL OR writ_gds IS NULL THEN NULL
         ELSE read_high AND mat_high AND writ_gds END AS rwm_high,
    read_progress, writ_progress, mat_progress,
    -- KS4
    att8, att8_eng, att8_mat, att8_ebacc, att8_open, ks2_baseline, p8,
    english_grade, maths_grade, ebacc_entered, eng_mat_94, eng_mat_95
FROM results
