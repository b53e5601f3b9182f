-- check: interventions_unresolved_schools
-- severity: warn
-- model: stg.interventions
-- description: Every school in the programme register resolves to a URN (given, through its LAESTAB, or by its name in the establishments reference). Rows listed here count in no mart and are listed by `edwh quarantine` (action 'unresolved'); correct the School column (the candidates are the most similar school names) or load an establishments extract that names the school, and the next run resolves them.
SELECT programme, line, school_given, unresolved, candidates
FROM stg.interventions
WHERE urn IS NULL
