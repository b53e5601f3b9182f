-- Each school's rank among itself and its similar schools
-- (mart.school_neighbours) on each measure computed from pupil data
-- (stg.gap_cells, all pupils). Rank 1 is best: the highest value for
-- attainment, the lowest for absence and exclusion rates. Ties share the
-- best rank. Schools whose value rests on fewer than suppress_below pupils
-- are left out, and so is a measure for a school with no value.
-- depends: stg.gap_cells, mart.school_neighbours
-- check: not_null urn, measure, neighbour_rank, neighbour_n
WITH vals AS (
    SELECT urn, la_code, time_period, measure, value, pupils,
           measure IN ('overall_absence_rate', 'persistent_absence_rate', 'suspension_rate',
                       'one_plus_suspension_rate', 'permanent_exclusion_rate') AS lower_is_better
    FROM stg.gap_cells
    WHERE level = 'school' AND pupil_group = 'all' AND value IS NOT NULL
      AND pupils >= getvariable('edwh_suppress_below')
),
sets AS (
    SELECT urn AS focus, urn AS member, time_period FROM (SELECT DISTINCT urn, time_period FROM mart.school_neighbours)
    UNION ALL
    SELECT urn, neighbour_urn, time_period FROM mart.school_neighbours
),
scored AS (
    SELECT s.focus, s.member, v.time_period, v.measure, v.value, v.la_code, v.lower_is_better
    FROM sets s JOIN vals v ON v.urn = s.member AND v.time_period = s.time_period
),
ranked AS (
    SELECT *,
        rank() OVER (PARTITION BY focus, time_period, measure
                     ORDER BY CASE WHEN lower_is_better THEN value ELSE -value END) AS r,
        count(*) OVER (PARTITION BY focus, time_period, measure) AS n
    FROM scored
)
SELECT focus AS urn, la_code, time_period, measure, value, CAST(r AS INTEGER) AS neighbour_rank, CAST(n AS INTEGER) AS neighbour_n
FROM ranked WHERE member = focus
