-- value_for_money: what each programme cost, per school, per pupil and per
-- the unit declared for it in edwh.yaml (programmes: NAME: unit, units),
-- with the inputs written out so that the arithmetic can be checked.
--   cost           the sum of the register's Cost column over the
--                  programme's participant and coach rows (GBP)
--   schools        schools taking part (participants and coaches)
--   participants   pupils with SEN (SEN support or EHC plan) on roll in
--                  those schools at the census of the programme's first year
--   pupils         all pupils on roll there then
--                  (either count, when under suppress_below, is NULL, and so
--                  is the cost per pupil that would give it away)
--   cost_per_school, cost_per_participant, cost_per_pupil, cost_per_unit
--                  cost divided by each, to the penny
-- Evaluations have divided grants by units as different as "SENCO
-- actions" and "days of professional development"; state the unit, and
-- read the figure as cost per unit of activity, not of impact.
-- depends: stg.programme_schools, ops.programme_settings, mart.pupils
-- check: not_null programme
-- check: unique programme
WITH members AS (
    SELECT programme, urn, cost, start_period FROM stg.programme_schools WHERE role IN ('participant', 'coach')
),
prog AS (
    SELECT programme, sum(cost) AS cost, count(*) FILTER (WHERE cost IS NOT NULL) AS costed_rows,
           count(DISTINCT urn) AS schools, min(start_period) AS start_period
    FROM members GROUP BY programme
),
roll AS (
    SELECT m.programme, count(*) AS pupils,
           count(*) FILTER (WHERE p.sen_status IN ('SEN support', 'EHC plan')) AS participants
    FROM (SELECT DISTINCT programme, urn, start_period FROM members) m
    JOIN mart.pupils p ON p.urn = m.urn AND p.time_period = m.start_period
    GROUP BY m.programme
),
-- A count of fewer than suppress_below pupils is suppressed (NULL), with the
-- cost per pupil that would give it away; the inputs text says so.
roll_shown AS (
    SELECT programme,
           CASE WHEN participants >= getvariable('edwh_suppress_below') THEN participants END AS participants,
           CASE WHEN pupils >= getvariable('edwh_suppress_below') THEN pupils END AS pupils
    FROM roll
)
SELECT
    p.programme, p.start_period AS time_period, edwh_year_label(p.start_period) AS academic_year,
    p.cost, p.schools, r.participants, r.pupils,
    edwh_round(p.cost / nullif(p.schools, 0), 2)      AS cost_per_school,
    edwh_round(p.cost / nullif(r.participants, 0), 2) AS cost_per_participant,
    edwh_round(p.cost / nullif(r.pupils, 0), 2)       AS cost_per_pupil,
    s.unit, s.units,
    edwh_round(p.cost / nullif(s.units, 0), 2)        AS cost_per_unit,
    printf('cost £%,.2f (sum of %d register rows); %d schools; %s pupils with SEN and %s pupils on roll at the %s census%s',
           coalesce(p.cost, 0), p.costed_rows, p.schools,
           coalesce(CAST(r.participants AS VARCHAR), 'fewer than ' || CAST(CAST(getvariable('edwh_suppress_below') AS INTEGER) AS VARCHAR) || ' (suppressed)'),
           coalesce(CAST(r.pupils AS VARCHAR), 'fewer than ' || CAST(CAST(getvariable('edwh_suppress_below') AS INTEGER) AS VARCHAR) || ' (suppressed)'),
           edwh_year_label(p.start_period),
           CASE WHEN s.units IS NOT NULL THEN printf('; %s %s', CAST(s.units AS VARCHAR), coalesce(s.unit, 'units')) ELSE '' END) AS inputs
FROM prog p
LEFT JOIN roll_shown r USING (programme)
LEFT JOIN ops.programme_settings s ON lower(s.programme) = lower(p.programme)
