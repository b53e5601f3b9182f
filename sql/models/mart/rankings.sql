-- rankings: where each local authority and school stands on every published
-- measure loaded, nationally and among its comparators, year by year. One
-- row per academic year, entity (an LA, or a school), measure and source.
--
-- Ranks follow the measure's direction (stg.measure_definitions): higher
-- is better for attainment and progress (KS2 RWM, Progress 8, Attainment
-- 8, English and maths 4+/5+, EBacc), lower is better for absence and
-- exclusion rates; rank 1 is always the best. Ties share the best rank
-- (1, 2, 2, 4). Only entities with a published figure are ranked; n is how
-- many there were.
--
--  national_rank / national_n  among all LAs (entity_level 'la') or all
--      schools (entity_level 'school') with a figure that year. Given only
--      when the data loaded covers at least national_rank_min_las LAs
--      (parameter, default 100 of England's ~150), so that an LA's own file
--      never passes for a national ranking; national_las says how many.
--  quartile     1 (best quarter) to 4, from the national rank.
--  neighbour_rank / neighbour_n  for an LA: among itself and its 10 DfE
--      statistical neighbours (so n is at most 11), from the neighbour set
--      named in neighbour_set (the latest workbook loaded that lists it).
--  la_rank / la_n  for a school: among the schools of its LA.
--  national_value  DfE's published England figure (state-funded schools
--      where DfE gives both: KS2 RECTYPE 5, KS4 RECTYPE 7, EES 'Total').
--  *_prev       the same entity's rank in the previous year loaded
--      (prev_time_period), for trends; every year loaded has its rows.
--
-- The same measure from two sources (overall absence from the performance
-- tables and from EES) is ranked within each source.
--
-- entity_code is the LA code for an LA, the URN for a school; a school an
-- EES file gives by LAESTAB only is matched to its URN through the schools
-- reference, and keeps its LAESTAB as entity_code when it is not there.
-- LA-level absence comes from EES LA files: the performance tables'
-- absence file has school and national rows only.
-- Rows with source 'pupil_data' rank each school among itself and its
-- similar schools (mart.school_neighbours; neighbour_set 'similar schools')
-- on each measure edwh computes from pupil data (stg.school_neighbour_ranks),
-- and within its LA (la_rank, la_n); they have no national rank.
-- depends: stg.public_measures, stg.neighbours, stg.local_authorities, stg.schools, stg.school_neighbour_ranks, stg.gap_cells
-- check: not_null time_period, academic_year, entity_level, entity_code, measure, value, source
-- check: unique time_period, entity_level, entity_code, measure, source
-- check: accepted_values entity_level = 'la', 'school'
-- check: accepted_values quartile = 1, 2, 3, 4
WITH school_by_laestab AS (
    -- EES exclusions files key schools by LAESTAB only: find the URN
    SELECT laestab, urn, name
    FROM stg.schools
    WHERE laestab IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY laestab ORDER BY close_date IS NULL DESC, open_date DESC NULLS LAST, urn DESC) = 1
),
figures AS (
    SELECT
        p.time_period, p.academic_year, p.level AS entity_level,
        p.la_code,
        coalesce(p.urn, s.urn) AS urn,
        p.laestab,
        CASE WHEN p.level = 'la' THEN CAST(p.la_code AS VARCHAR)
             ELSE CAST(coalesce(p.urn, s.urn, p.laestab) AS VARCHAR) END AS entity_code,
        p.name,
        p.measure, p.label, p.unit, p.higher_is_better, p.source, p.dfe_code, p.release,
        p.value, p.pupils,
        -- lower score is better, whatever the measure's direction
        CASE WHEN p.higher_is_better THEN -p.value ELSE p.value END AS score
    FROM stg.public_measures p
    LEFT JOIN school_by_laestab s ON s.laestab = CASE WHEN p.level = 'school' AND p.urn IS NULL THEN p.laestab END
    WHERE p.level IN ('la', 'school') AND p.value IS NOT NULL
      AND (p.level = 'school' OR p.la_code IS NOT NULL)
),
national_values AS (
    SELECT time_period, measure, source, value AS national_value
    FROM stg.public_measures
    WHERE level = 'national' AND value IS NOT NULL AND national_scope IN ('state-funded', 'total', 'all schools')
    QUALIFY row_number() OVER (PARTITION BY time_period, measure, source
                               ORDER BY CASE national_scope WHEN 'state-funded' THEN 1 WHEN 'total' THEN 2 ELSE 3 END) = 1
),
coverage AS (
    SELECT time_period, entity_level, measure, source,
           count(*) AS national_n, count(DISTINCT la_code) AS national_las
    FROM figures
    GROUP BY ALL
),
ranked AS (
    SELECT f.*, c.national_n, c.national_las,
        rank() OVER (PARTITION BY f.time_period, f.entity_level, f.measure, f.source ORDER BY f.score) AS national_rank_all,
        CASE WHEN f.entity_level = 'school' THEN
            rank() OVER (PARTITION BY f.time_period, f.entity_level, f.measure, f.source, f.la_code ORDER BY f.score) END AS la_rank,
        CASE WHEN f.entity_level = 'school' THEN
            count(*) OVER (PARTITION BY f.time_period, f.entity_level, f.measure, f.source, f.la_code) END AS la_n
    FROM figures f
    JOIN coverage c USING (time_period, entity_level, measure, source)
),
la_figures AS (
    SELECT time_period, measure, source, la_code, score FROM figures WHERE entity_level = 'la'
),
groups AS (
    -- each LA's comparison group: itself and its statistical neighbours
    SELECT DISTINCT la_code, la_code AS member, neighbour_set FROM stg.neighbours WHERE in_use
    UNION ALL
    SELECT la_code, neighbour_la_code, neighbour_set FROM stg.neighbours WHERE in_use
),
neighbour_ranks AS (
    SELECT r.time_period, r.measure, r.source, r.la_code,
        any_value(g.neighbour_set)                          AS neighbour_set,
        count(o.score)                                      AS neighbour_n,
        1 + count(*) FILTER (WHERE o.score < r.score)       AS neighbour_rank
    FROM la_figures r
    JOIN groups g ON g.la_code = r.la_code
    LEFT JOIN la_figures o ON o.la_code = g.member
        AND o.time_period = r.time_period AND o.measure = r.measure AND o.source = r.source
    GROUP BY ALL
),
joined AS (
    SELECT r.*,
        CASE WHEN r.national_las >= coalesce(getvariable('edwh_national_rank_min_las'), 100) THEN r.national_rank_all END AS national_rank,
        nv.national_value,
        nr.neighbour_set, nr.neighbour_rank, nr.neighbour_n
    FROM ranked r
    LEFT JOIN national_values nv USING (time_period, measure, source)
    LEFT JOIN neighbour_ranks nr ON nr.la_code = CASE WHEN r.entity_level = 'la' THEN r.la_code END
        AND nr.time_period = r.time_period AND nr.measure = r.measure AND nr.source = r.source
)
SELECT
    j.time_period,
    j.academic_year,
    j.entity_level,
    j.entity_code,
    CASE WHEN j.entity_level = 'la' THEN coalesce(la.la_name, j.name) ELSE coalesce(j.name, sch.name) END AS entity_name,
    j.la_code,
    j.urn,
    j.laestab,
    j.measure,
    j.label AS measure_label,
    j.unit,
    j.higher_is_better,
    j.source,
    j.dfe_code,
    j.release,
    j.value,
    j.pupils,
    j.national_value,
    j.national_rank,
    j.national_n,
    j.national_las,
    CASE WHEN j.national_rank IS NOT NULL
         THEN least(4, 1 + (4 * (j.national_rank - 1)) // j.national_n) END AS quartile,
    j.neighbour_set,
    j.neighbour_rank,
    j.neighbour_n,
    j.la_rank,
    j.la_n,
    lag(j.time_period)    OVER trend AS prev_time_period,
    lag(j.national_rank)  OVER trend AS national_rank_prev,
    lag(j.neighbour_rank) OVER trend AS neighbour_rank_prev,
    lag(j.la_rank)        OVER trend AS la_rank_prev
FROM joined j
LEFT JOIN stg.local_authorities la ON la.la_code = CASE WHEN j.entity_level = 'la' THEN j.la_code END
LEFT JOIN stg.schools sch ON sch.urn = j.urn
WINDOW trend AS (PARTITION BY j.entity_level, j.entity_code, j.measure, j.source ORDER BY j.time_period)
UNION ALL BY NAME
SELECT
    r.time_period,
    edwh_year_label(r.time_period)           AS academic_year,
    'school'                                 AS entity_level,
    CAST(r.urn AS VARCHAR)                   AS entity_code,
    sch.name                                 AS entity_name,
    r.la_code,
    r.urn,
    sch.laestab,
    r.measure,
    replace(r.measure, '_', ' ')             AS measure_label,
    CASE WHEN r.measure LIKE '%rate' OR r.measure LIKE '%expected' OR r.measure LIKE '%high' OR r.measure LIKE '%9_' THEN '%' END AS unit,
    r.measure NOT IN ('overall_absence_rate', 'persistent_absence_rate', 'suspension_rate',
                      'one_plus_suspension_rate', 'permanent_exclusion_rate') AS higher_is_better,
    'pupil_data'                             AS source,
    r.value,
    g.pupils,
    'similar schools'                        AS neighbour_set,
    r.neighbour_rank,
    r.neighbour_n,
    CAST(rank() OVER (PARTITION BY r.la_code, r.time_period, r.measure
        ORDER BY CASE WHEN r.measure IN ('overall_absence_rate', 'persistent_absence_rate', 'suspension_rate',
                      'one_plus_suspension_rate', 'permanent_exclusion_rate') THEN r.value ELSE -r.value END) AS INTEGER) AS la_rank,
    CAST(count(*) OVER (PARTITION BY r.la_code, r.time_period, r.measure) AS INTEGER) AS la_n
FROM stg.school_neighbour_ranks r
JOIN stg.gap_cells g ON g.level = 'school' AND g.pupil_group = 'all' AND g.urn = r.urn AND g.time_period = r.time_period AND g.measure = r.measure
LEFT JOIN stg.schools sch ON sch.urn = r.urn
