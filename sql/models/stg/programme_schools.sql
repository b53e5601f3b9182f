-- The schools of each programme in the interventions register, with the
-- windows the effects are measured over. A school is in the programme as a
-- participant or a coach (both take part); 'comparison' rows name the
-- comparison schools the LA chose. Windows, per programme, from the
-- programmes: section of edwh.yaml, else: pre = the academic year before
-- the start, post = the start year and every later year loaded.
-- depends: stg.interventions, ops.programme_settings
-- check: not_null programme, urn, role, start_period, pre_from, pre_to, post_from
WITH reg AS (
    SELECT programme, urn, role, group_id, start_date, end_date, lead, cost
    FROM stg.interventions WHERE urn IS NOT NULL
),
starts AS (
    SELECT programme, min(start_date) AS start_date FROM reg WHERE role <> 'comparison' GROUP BY programme
)
SELECT r.programme, r.urn, r.role, r.group_id, r.lead, r.cost, r.start_date, r.end_date,
       edwh_year_of(s.start_date)                                   AS start_period,
       coalesce(ps.pre_from, edwh_year_of(s.start_date) - 101)      AS pre_from,
       coalesce(ps.pre_to, edwh_year_of(s.start_date) - 101)        AS pre_to,
       coalesce(ps.post_from, edwh_year_of(s.start_date))           AS post_from,
       coalesce(ps.post_to, 999999)                                 AS post_to
FROM reg r
JOIN starts s USING (programme)
LEFT JOIN ops.programme_settings ps ON lower(ps.programme) = lower(r.programme)
