-- Census rows in force: for each school and census date, the rows of the
-- latest extract (a re-issued extract supersedes the earlier one, which stays
-- in raw.census). School keys are resolved through stg.schools: a row given
-- by LAESTAB gets its URN and the other way round. Also derives the academic
-- year and term of each census.
-- depends: raw.census, stg.schools
-- partition: census_date
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
-- NOT MATERIALIZED: read by both halves of the UNION below, and copying a
-- national year's 8.5 million rows cost more (6.5 s) than joining twice.
current_rows AS NOT MATERIALIZED (
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
),
-- Pupils listed more than once on a census date, in any extract loaded.
several AS (
    SELECT upn, census_date FROM raw.census GROUP BY ALL HAVING count(*) > 1
),
resolved AS NOT MATERIALIZED (
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
)
-- A pupil listed twice for the same school and census date keeps the row of
-- the latest load, then the first line. Only pupils listed more than once on
-- a census date in any extract loaded (a superset of those) can be, and
-- they are few: their rows alone go through the window. On a national year
-- the model took 12.2-12.7 s with a window over every row, 9.2 s so.
SELECT r.*
FROM resolved r
ANTI JOIN several d ON d.upn IS NOT DISTINCT FROM r.upn AND d.census_date IS NOT DISTINCT FROM r.census_date
UNION ALL
SELECT *
FROM (SELECT r.*
      FROM resolved r
      SEMI JOIN several d ON d.upn IS NOT DISTINCT FROM r.upn AND d.census_date IS NOT DISTINCT FROM r.census_date)
QUALIFY row_number() OVER (PARTITION BY upn, census_date, laestab, urn ORDER BY load_id DESC, line) = 1
