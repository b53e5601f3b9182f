-- assessment_codes: what each key stage outcome code means for the DfE
-- threshold measures, one row per assessment and code. A pupil with a code
-- where in_measure is true counts in the denominator of "% meeting the
-- expected standard" but not in the numerator; a code where in_measure is
-- false takes the pupil out of the measure (left, will sit in future, sat
-- in the past, missing). Teacher assessment outcomes also say whether they
-- meet the expected standard (EXS, GDS) and the higher one (GDS).
--
-- Basis: KS2 tests, Insight Tracking's summary of the DfE primary
-- accountability guidance (A, B, H, J, Q, U included as not achieved; L, M
-- excluded) and sigplus 2017 (absent, below the standard and disapplied are
-- included) - SECONDARY. T (unable to access, older files), N (no scaled
-- score) and D follow B; F, P and X follow L - UNVERIFIED. Phonics A, D and
-- WT count as not met, L and M are out - UNVERIFIED, as are Q, U and X.
-- Scaled scores and phonics marks are compared with the parameters
-- ks2_expected_score, ks2_high_score and phonics_expected_mark in
-- mart.attainment; this table is only for the codes.
-- check: unique assessment, code
-- check: not_null assessment, code, in_measure, basis
-- check: accepted_values assessment = 'phonics', 'ks1_ta', 'ks2_test', 'ks2_writing_ta'
SELECT assessment, code, meaning, in_measure,
       CASE WHEN in_measure THEN coalesce(expected, false) END AS expected,
       CASE WHEN in_measure THEN coalesce(high, false) END AS high,
       basis
FROM (VALUES
    -- Phonics screening check (a mark of 0-40 is the usual result)
    ('phonics', 'WA',  'met the expected standard (no mark given)',             true,  true,  NULL, 'SECONDARY'),
    ('phonics', 'WT',  'did not meet the expected standard (no mark given)',    true,  false, NULL, 'SECONDARY'),
    ('phonics', 'A',   'absent',                                                true,  false, NULL, 'UNVERIFIED'),
    ('phonics', 'D',   'disapplied',                                            true,  false, NULL, 'UNVERIFIED'),
    ('phonics', 'Q',   'maladministration',                                     true,  false, NULL, 'UNVERIFIED'),
    ('phonics', 'U',   'unable to access the check',                            true,  false, NULL, 'UNVERIFIED'),
    ('phonics', 'L',   'left',                                                  false, NULL,  NULL, 'UNVERIFIED'),
    ('phonics', 'M',   'missing',                                               false, NULL,  NULL, 'UNVERIFIED'),
    ('phonics', 'X',   'no result',                                             false, NULL,  NULL, 'UNVERIFIED'),
    -- End of KS1 teacher assessment (reading, writing, maths)
    ('ks1_ta',  'GDS', 'working at greater depth',                              true,  true,  true, 'SECONDARY'),
    ('ks1_ta',  'EXS', 'working at the expected standard',                      true,  true,  NULL, 'SECONDARY'),
    ('ks1_ta',  'WTS', 'working towards the expected standard',                 true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'HNM', 'has not met the expected standard',                     true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'PKF', 'pre-key stage: foundations for the expected standard',  true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'PK1', 'pre-key stage standard 1',                              true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'PK2', 'pre-key stage standard 2',                              true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'PK3', 'pre-key stage standard 3',                              true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'PK4', 'pre-key stage standard 4',                              true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'BLW', 'below the standard of the pre-key stage',               true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'EM',  'assessed with the engagement model',                    true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'A',   'absent',                                                true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'D',   'disapplied',                                            true,  false, NULL, 'SECONDARY'),
    ('ks1_ta',  'Q',   'maladministration',                                     true,  false, NULL, 'UNVERIFIED'),
    -- KS2 tests: reading, maths, grammar punctuation and spelling
    ('ks2_test', 'A',  'absent',                                                true,  false, NULL, 'SECONDARY'),
    ('ks2_test', 'B',  'working below the standard of the test',                true,  false, NULL, 'SECONDARY'),
    ('ks2_test', 'H',  'pupil cheating',                                        true,  false, NULL, 'SECONDARY'),
    ('ks2_test', 'J',  'just arrived in the school',                            true,  false, NULL, 'SECONDARY'),
    ('ks2_test', 'Q',  'maladministration',                                     true,  false, NULL, 'SECONDARY'),
    ('ks2_test', 'U',  'unable to access the test',                             true,  false, NULL, 'SECONDARY'),
    ('ks2_test', 'T',  'unable to access the test (older files)',               true,  false, NULL, 'UNVERIFIED'),
    ('ks2_test', 'N',  'took the test, no scaled score awarded',                true,  false, NULL, 'UNVERIFIED'),
    ('ks2_test', 'D',  'disapplied',                                            true,  false, NULL, 'SECONDARY'),
    ('ks2_test', 'L',  'left',                                                  false, NULL,  NULL, 'SECONDARY'),
    ('ks2_test', 'M',  'missing',                                               false, NULL,  NULL, 'SECONDARY'),
    ('ks2_test', 'F',  'will take the test in future',                          false, NULL,  NULL, 'UNVERIFIED'),
    ('ks2_test', 'P',  'took the test in the past',                             false, NULL,  NULL, 'UNVERIFIED'),
    ('ks2_test', 'X',  'no result',                                             false, NULL,  NULL, 'UNVERIFIED'),
    -- KS2 writing teacher assessment
    ('ks2_writing_ta', 'GDS', 'working at greater depth',                       true,  true,  true, 'VERIFIED'),
    ('ks2_writing_ta', 'EXS', 'working at the expected standard',               true,  true,  NULL, 'VERIFIED'),
    ('ks2_writing_ta', 'WTS', 'working towards the expected standard',          true,  false, NULL, 'VERIFIED'),
    ('ks2_writing_ta', 'HNM', 'has not met the expected standard',              true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PK1', 'pre-key stage standard 1',                       true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PK2', 'pre-key stage standard 2',                       true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PK3', 'pre-key stage standard 3',                       true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PK4', 'pre-key stage standard 4',                       true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PK5', 'pre-key stage standard 5',                       true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PK6', 'pre-key stage standard 6',                       true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'EM',  'assessed with the engagement model',             true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'BLW', 'below the standard of the pre-key stage (2016-2018)', true, false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PKF', 'pre-key stage foundations (2016-2018)',          true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PKE', 'pre-key stage early development (2016-2018)',    true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'PKG', 'pre-key stage growing development (2016-2018)',  true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'A',   'absent or not enough information',               true,  false, NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'D',   'disapplied',                                     true,  false, NULL, 'UNVERIFIED'),
    ('ks2_writing_ta', 'Q',   'maladministration',                              true,  false, NULL, 'UNVERIFIED'),
    ('ks2_writing_ta', 'L',   'left',                                           false, NULL,  NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'F',   'will complete the key stage in a future year',   false, NULL,  NULL, 'SECONDARY'),
    ('ks2_writing_ta', 'P',   'completed the key stage in a previous year',     false, NULL,  NULL, 'SECONDARY')
) AS t(assessment, code, meaning, in_measure, expected, high, basis)
