-- p8_estimates: DfE's published Attainment 8 estimates in force, one row per
-- KS4 year and prior attainment band (PAG): the national mean Attainment 8
-- of the pupils whose KS2 baseline lies in the band, and the mean of each
-- element, as DfE published them (landing/p8_estimates). stg.p8_pupils
-- measures a year's pupils against these when the year has them.
--
-- time_period is the KS4 year the estimates are for: the year of the
-- results they are compared with. A later file for a year replaces the
-- earlier one's bands for that year (DfE revises the estimates with the
-- final results); raw.p8_estimates keeps both. The connector has already
-- refused bands that overlap within a file, so a year's bands here never
-- share a baseline except a touching bound.
--
-- Which band holds a baseline (UNVERIFIED: DfE's tables give the bounds,
-- not the rule): a band holds the baselines from its lower bound to its
-- upper bound, both included, except that where two bands touch (one's
-- upper bound is the next one's lower bound) the shared value belongs to
-- the higher band, as each PAG starts at its lower bound. upper_included
-- says whether a band keeps its upper bound. A baseline below the lowest
-- band, above the highest or in a gap between bands is in no band: that
-- pupil has no Progress 8 (check p8_no_published_estimate). A file of
-- single values (no upper bound column) gives bands whose lower and upper
-- bounds are the same value.
--
-- The P8 cap: DfE caps extreme negative pupil scores at a minimum per PAG
-- (reference/dfe-methods.md 1.6). A file with a cap column gives that
-- minimum (p8_cap), and then a band without one is not capped (DfE does not
-- cap the lowest PAGs); caps_published says a year's file gives caps.
-- Most files do not: the cap is then worked out from the pupils loaded
-- (stg.p8_pupils).
-- depends: raw.p8_estimates
-- check: not_null time_period, ks2_lower, ks2_upper, est_att8, upper_included
-- check: unique time_period, ks2_lower
WITH in_force AS (
    SELECT *
    FROM raw.p8_estimates
    QUALIFY _load_id = max(_load_id) OVER (PARTITION BY time_period)
)
SELECT
    time_period,
    edwh_year_label(time_period)                                          AS academic_year,
    pag                                                                   AS pag_number,
    ks2_lower,
    coalesce(ks2_upper, ks2_lower)                                        AS ks2_upper,
    coalesce(lead(ks2_lower) OVER w <> coalesce(ks2_upper, ks2_lower), true) AS upper_included,
    est_att8,
    est_eng,
    est_mat,
    est_ebacc,
    est_open,
    p8_cap,
    count(p8_cap) OVER (PARTITION BY time_period) > 0                     AS caps_published,
    _load_id                                                              AS load_id,
    _file                                                                 AS file,
    _line                                                                 AS line
FROM in_force
WINDOW w AS (PARTITION BY time_period ORDER BY ks2_lower)
