-- Census rows in force: for each school and census date, the rows of the
-- latest extract (a re-issued extract supersedes the earlier one, which stays
-- in raw.census). School keys are resolved through stg.schools: a row given
-- by LAESTAB gets its URN and the other way round. Also derives the academic
-- year and term of each census.
-- depends: raw.census, stg.schools
-- check: not_null upn, census_date, time_period, term
-- check: unique upn, census_date, laestab, urn
-- check: accepted_values term = 'autumn', 'spring', 'summer'
-- check: accepted_values sen_provision = 'E', 'K', 'N'
-- check: relationships urn -> stg.schools.urn (warn)
-- The latest load of each school's extract (by LAESTAB, or by URN where
-- a row has none) for each census date: a GROUP BY and a join, which DuckDB
-- does in a fraction of the time of a window over every row.
WITH latest AS (
    SELECT laestab, CASE WHEN laestab IS NULL THEN urn END AS urn_only, census_date, max(_load_id) AS load_id
    FROM raw.census
    GROUP BY ALL
),
current_rows AS (
    SELECT r.*
    FROM raw.census r
    SEMI JOIN latest l ON l.load_id = r._load_id
        AND l.laestab IS NOT DISTINCT FROM r.laestab
        AND l.urn_only IS NOT DISTINCT FROM (CASE WHEN r.laestab IS NULL THEN r.urn END)
        AND l.census_date IS NOT DISTINCT FROM r.census_date
),
-- One school per LAESTAB for the lookup: an open school before a closed one.
by_laestab AS (
    SELECT laestab, urn
    FROM stg.schools
    WHERE laestab IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY laestab ORDER BY close_date IS NULL DESC, open_date DESC NULLS LAST, urn DESC) = 1
)
SELECT
    c.upn,
    coalesce(c.urn, l.urn)                  AS urn,
    coalesce(c.laestab, s.laestab)          AS laestab,
    coalesce(c.laestab, s.laestab) // 10000 AS la_code,
    c.census_date,
    edwh_year_of(c.census_date)             AS time_period,
    edwh_census_term(c.census_date)         AS term,
    c.nc_year,
    c.gender,
    c.dob,
    c.ethnicity,
    c.first_language,
    c.sen_provision,
    c.sen_primary_need,
    c.fsm_eligible,
    c.ever_fsm6,
    c.looked_after,
    c.adopted_from_care,
    c._load_id                              AS load_id,
    c._line                                 AS line
FROM current_rows c
-- by LAESTAB, used only where the row gives no URN; a plain equality, which
-- DuckDB hashes (adding 'c.urn IS NULL' here made it a nested loop)
LEFT JOIN by_laestab l ON l.laestab = c.laestab
LEFT JOIN stg.schools s ON s.urn = c.urn
QUALIFY row_number() OVER (PARTITION BY c.upn, c.census_date, coalesce(c.laestab, s.laestab), coalesce(c.urn, l.urn)
                           ORDER BY c._load_id DESC, c._line) = 1
