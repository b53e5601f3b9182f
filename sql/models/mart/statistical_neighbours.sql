-- statistical_neighbours: the DfE statistical neighbours each LA is ranked
-- against in mart.rankings, one row per academic year with LA rankings,
-- local authority and neighbour (1 = nearest of ten), with the closeness
-- label the workbook gives and the neighbour set (workbook) used.
-- depends: stg.neighbours, stg.local_authorities, mart.rankings
-- check: not_null time_period, academic_year, la_code, neighbour_rank, neighbour_la_code, neighbour_set
-- check: unique time_period, la_code, neighbour_rank
WITH years AS (
    SELECT DISTINCT time_period, academic_year FROM mart.rankings WHERE entity_level = 'la'
)
SELECT
    y.time_period,
    y.academic_year,
    n.neighbour_set,
    n.la_code,
    coalesce(a.la_name, n.la_name) AS la_name,
    n.neighbour_rank,
    n.neighbour_la_code,
    b.la_name AS neighbour_name,
    n.closeness
FROM years y
CROSS JOIN stg.neighbours n
LEFT JOIN stg.local_authorities a ON a.la_code = n.la_code
LEFT JOIN stg.local_authorities b ON b.la_code = n.neighbour_la_code
WHERE n.in_use
