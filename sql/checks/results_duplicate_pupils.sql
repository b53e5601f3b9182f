-- check: results_duplicate_pupils
-- severity: warn
-- description: No pupil is listed twice in the results or attendance in force for the same year (and assessment, or school and term); where one is, the latest file's row (then the last line) is used and the others are listed here.
SELECT 'ks1' AS source, time_period, assessment AS part, urn, load_id, line, duplicates FROM stg.ks1 WHERE duplicates > 0
UNION ALL
SELECT 'ks2', time_period, NULL, urn, load_id, line, duplicates FROM stg.ks2 WHERE duplicates > 0
UNION ALL
SELECT 'ks4', time_period, NULL, urn, load_id, line, duplicates FROM stg.ks4 WHERE duplicates > 0
UNION ALL
SELECT 'attendance', time_period, term, urn, load_id, line, duplicates FROM stg.attendance WHERE duplicates > 0
