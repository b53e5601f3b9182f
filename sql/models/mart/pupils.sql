-- pupils: one row per pupil per academic year, from the school census. The
-- spring census is used where there is one (it is the only census that
-- collects ethnicity), else the latest census of the year. A pupil on roll at
-- two schools at the same census (dual registration) is counted at the
-- school of the first row loaded. Pupils appear only as pupil_key, a keyed
-- hash of the UPN; no UPN, name or date of birth is published.
--
-- Disadvantaged follows the DfE definition: eligible for free school meals
-- at any point in the last six years (EverFSM6), looked after, or adopted
-- from care. Where an extract has no EverFSM6 column, it is derived from the
-- FSM flags of the census terms loaded for the pupil in this and the five
-- previous academic years.
-- depends: stg.census
-- partition: upn -> pupil_key = edwh_pupil_key(v)
-- check: not_null pupil_key, time_period, academic_year, sen_status
-- check: unique pupil_key, time_period
-- check: accepted_values sen_status = 'EHC plan', 'SEN support', 'No SEN'
-- check: accepted_values ethnicity_major = 'White', 'Mixed', 'Asian', 'Black', 'Chinese', 'Any other ethnic group', 'Unclassified'
-- Pupils with more than one census row in a year (two terms' censuses, or
-- two schools): few, so only their rows go through the window that picks
-- one; on a national year the window over every row took 10 s, this 7 s.
WITH several AS (
    SELECT upn, time_period FROM stg.census GROUP BY ALL HAVING count(*) > 1
),
chosen AS (
    SELECT c.*
    FROM stg.census c
    ANTI JOIN several s ON s.upn IS NOT DISTINCT FROM c.upn AND s.time_period IS NOT DISTINCT FROM c.time_period
    UNION ALL
    SELECT *
    FROM (SELECT c.*
          FROM stg.census c
          SEMI JOIN several s ON s.upn IS NOT DISTINCT FROM c.upn AND s.time_period IS NOT DISTINCT FROM c.time_period)
    QUALIFY row_number() OVER (
        PARTITION BY upn, time_period
        ORDER BY (term = 'spring') DESC, census_date DESC, load_id, line) = 1
),
-- Only pupils whose chosen census gives no EverFSM6 need it derived, so
-- only their census history is read (none, when every extract has it).
underived AS (SELECT DISTINCT upn FROM chosen WHERE ever_fsm6 IS NULL),
history AS (
    -- FSM in any census of this or the five previous academic years.
    SELECT upn, time_period, bool_or(fsm_eligible) AS fsm_any
    FROM stg.census SEMI JOIN underived USING (upn)
    GROUP BY upn, time_period
),
fsm6 AS (
    SELECT a.upn, a.time_period, bool_or(b.fsm_any) AS ever_fsm6_derived
    FROM history a
    JOIN history b ON b.upn = a.upn AND b.time_period // 100 BETWEEN a.time_period // 100 - 5 AND a.time_period // 100
    GROUP BY a.upn, a.time_period
)
SELECT
    edwh_pupil_key(c.upn)                                   AS pupil_key,
    c.time_period,
    edwh_year_label(c.time_period)                          AS academic_year,
    c.urn,
    c.la_code,
    c.nc_year,
    c.gender,
    CASE
        WHEN c.ethnicity IN ('REFU', 'NOBT') OR c.ethnicity IS NULL THEN 'Unclassified'
        WHEN c.ethnicity = 'CHNE' THEN 'Chinese'
        WHEN c.ethnicity = 'OOTH' THEN 'Any other ethnic group'
        WHEN left(c.ethnicity, 1) = 'W' THEN 'White'
        WHEN left(c.ethnicity, 1) = 'M' THEN 'Mixed'
        WHEN left(c.ethnicity, 1) = 'A' THEN 'Asian'
        WHEN left(c.ethnicity, 1) = 'B' THEN 'Black'
        ELSE 'Unclassified'
    END                                                     AS ethnicity_major,
    CASE
        WHEN upper(c.first_language) IN ('ENG', 'ENB') THEN false
        WHEN upper(c.first_language) IN ('NOT', 'REF') OR c.first_language IS NULL THEN NULL
        ELSE true
    END                                                     AS eal,
    CASE c.sen_provision WHEN 'E' THEN 'EHC plan' WHEN 'K' THEN 'SEN support' ELSE 'No SEN' END AS sen_status,
    c.sen_primary_need,
    c.fsm_eligible                                          AS fsm,
    coalesce(c.ever_fsm6, f.ever_fsm6_derived)              AS ever_fsm6,
    coalesce(c.ever_fsm6, f.ever_fsm6_derived, false)
        OR coalesce(c.looked_after, false)
        OR coalesce(c.adopted_from_care, false)             AS disadvantaged,
    c.looked_after,
    c.term                                                  AS census_term
FROM chosen c
LEFT JOIN fsm6 f ON f.upn = c.upn AND f.time_period = c.time_period
