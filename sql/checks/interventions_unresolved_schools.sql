-- check: interventions_unresolved_schools
-- severity: warn
-- model: stg.interventions
-- description: Every school in the programme register resolves to a URN (given, through its LAESTAB, or by its name in the establishments reference). Rows listed here are kept with urn NULL; correct the School column (the candidates are the most similar school names) or load the establishments reference.
SELECT programme, line, school_given, candidates
FROM stg.interventions
WHERE urn IS NULL
