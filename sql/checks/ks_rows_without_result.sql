-- check: ks_rows_without_result
-- severity: warn
-- description: Every KS1 and KS2 row in the latest file for its school and year carries at least one result (a phonics mark or code, a teacher assessment, a scaled score or test code). A row without any (all blank, or its only result was invalid and set to NULL at load, see ops.quarantine) gives no result in mart.attainment; many such rows may mean a file of another kind was dropped in the wrong folder.
WITH ks1 AS (
    SELECT *, max(_load_id) OVER (PARTITION BY coalesce(CAST(laestab AS VARCHAR), 'urn' || CAST(urn AS VARCHAR)), academic_year) AS latest
    FROM raw.ks1
),
ks2 AS (
    SELECT *, max(_load_id) OVER (PARTITION BY coalesce(CAST(laestab AS VARCHAR), 'urn' || CAST(urn AS VARCHAR)), academic_year) AS latest
    FROM raw.ks2
)
SELECT 'ks1' AS source, _file, _line, academic_year
FROM ks1
WHERE _load_id = latest
  AND phonics_mark IS NULL AND phonics_mark_code IS NULL
  AND ks1_read_ta IS NULL AND ks1_writ_ta IS NULL AND ks1_mat_ta IS NULL
UNION ALL
SELECT 'ks2', _file, _line, academic_year
FROM ks2
WHERE _load_id = latest
  AND read_scaled IS NULL AND read_scaled_code IS NULL AND mat_scaled IS NULL AND mat_scaled_code IS NULL
  AND gps_scaled IS NULL AND gps_scaled_code IS NULL AND writ_ta IS NULL
