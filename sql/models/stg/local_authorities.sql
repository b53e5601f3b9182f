-- local_authorities: one row per local authority code with its name, region
-- and type, for naming LAs in rankings. Names come from the LA code list
-- (la_codes: la_code_list.xlsx or the performance tables'
-- la_and_region_codes_meta.csv) first, then the statistical neighbours
-- workbook, then EES files; within a source the latest load wins. Region
-- and England rows of the code list (type NA) are not LAs.
-- depends: raw.la_codes, raw.neighbours, raw.ees
-- check: unique la_code
-- check: not_null la_code, la_name
WITH named AS (
    SELECT la AS la_code, la_name,
           -- "Region" is a name in la_code_list.xlsx, a number (with the
           -- name in REGION NAME) in the performance tables' list
           CASE WHEN regexp_full_match(trim(region), '[0-9]+') THEN region_name ELSE coalesce(nullif(region, 'NA'), region_name) END AS region,
           nullif(la_type, 'NA') AS la_type,
           1 AS priority, _load_id AS load_id
    FROM raw.la_codes
    WHERE la BETWEEN 100 AND 999
      AND NOT (upper(coalesce(la_type, '')) = 'NA' AND upper(coalesce(region, '')) = 'NA')
    UNION ALL
    SELECT la, la_name, go_region, NULL, 2, _load_id
    FROM raw.neighbours
    WHERE la_name IS NOT NULL
    UNION ALL
    SELECT old_la_code, la_name, region_name, NULL, 3, _load_id
    FROM raw.ees
    WHERE lower(geographic_level) = 'local authority' AND old_la_code IS NOT NULL AND la_name IS NOT NULL
)
SELECT la_code, la_name, region, la_type
FROM named
QUALIFY row_number() OVER (PARTITION BY la_code ORDER BY priority, load_id DESC) = 1
