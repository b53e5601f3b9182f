-- check: effects_suppression_recoverable
-- severity: error
-- model: mart.intervention_effects
-- description: No suppressed row of mart.intervention_effects can be worked out by subtraction: n_pre and n_post of a programme are the sums of its groups' and of its schools', and a group's the sum of its schools'. In each such sum, with the whole shown, the hidden parts holding pupils are never exactly one; and a hidden whole never has every part shown. Each row is a sum that gives a figure away; a failure stops the run before anything is published.
WITH sizes AS (
    SELECT programme, measure, pupil_group, level, group_id, urn, suppressed FROM mart.intervention_effects
),
sums AS (
    SELECT programme, measure, pupil_group, 'group ' || group_id || ' = its schools' AS sum_name,
           bool_or(NOT suppressed) FILTER (WHERE level = 'group') AS whole_shown,
           count(*) FILTER (WHERE level = 'school' AND suppressed) AS hidden_parts,
           count(*) FILTER (WHERE level = 'school' AND NOT suppressed) AS shown_parts
    FROM sizes WHERE level IN ('group', 'school')
    GROUP BY programme, measure, pupil_group, group_id
    UNION ALL
    SELECT programme, measure, pupil_group, 'programme = its schools',
           bool_or(NOT suppressed) FILTER (WHERE level = 'programme'),
           count(*) FILTER (WHERE level = 'school' AND suppressed),
           count(*) FILTER (WHERE level = 'school' AND NOT suppressed)
    FROM sizes WHERE level IN ('programme', 'school')
    GROUP BY programme, measure, pupil_group
    UNION ALL
    SELECT programme, measure, pupil_group, 'programme = its groups',
           bool_or(NOT suppressed) FILTER (WHERE level = 'programme'),
           count(*) FILTER (WHERE level = 'group' AND suppressed),
           count(*) FILTER (WHERE level = 'group' AND NOT suppressed)
    FROM sizes WHERE level IN ('programme', 'group')
    GROUP BY programme, measure, pupil_group
)
SELECT programme, measure, pupil_group, sum_name,
       CASE WHEN whole_shown THEN 'one hidden part: it is the whole less the others'
            ELSE 'the whole is hidden but every part is shown' END AS problem
FROM sums
WHERE (coalesce(whole_shown, false) AND hidden_parts = 1)
   OR (NOT coalesce(whole_shown, true) AND hidden_parts = 0 AND shown_parts > 0)
