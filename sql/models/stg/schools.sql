-- Schools: one row per URN, from the latest establishments extract that
-- lists it. LAESTAB is built from LA and establishment number when the
-- extract does not carry it (GIAS does not).
-- depends: raw.establishments
-- check: unique urn
-- check: not_null urn, name
SELECT
    urn,
    coalesce(laestab, la * 10000 + estab)      AS laestab,
    coalesce(la, laestab // 10000)             AS la_code,
    coalesce(estab, laestab % 10000)           AS estab,
    la_name,
    name,
    type,
    CASE
        WHEN phase IS NOT NULL THEN phase
        WHEN is_primary AND is_secondary THEN 'All-through'
        WHEN is_primary THEN 'Primary'
        WHEN is_secondary THEN 'Secondary'
    END                                        AS phase,
    open_date,
    close_date,
    low_age,
    high_age,
    _load_id                                   AS load_id
FROM raw.establishments
QUALIFY row_number() OVER (PARTITION BY urn ORDER BY _load_id DESC, _line DESC) = 1
