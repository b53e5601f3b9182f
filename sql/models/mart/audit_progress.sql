-- audit_progress: change in SEND audit self-evaluations, per programme,
-- school and area, from the audit before the programme ('pre') to the one
-- after it ('post'; see stg.audit for how a missing stage is derived).
--   pre_score, post_score  the mean item rating at that stage (RAG rated
--                          Red = 1, Amber = 2, Green = 3, or the number on
--                          the declared scale)
--   delta, pct_change      post - pre, and delta / pre x 100
--   band                   the change bands evaluations report: '>=20%',
--                          '10-19%', '0-9%' (any rise under 10%), 'no change',
--                          'decline'
--   rag_pre, rag_post      the area's mean rating as R, A or G (numeric
--                          scales are mapped onto thirds of the scale)
-- Rows with urn NULL summarise a programme's area over its schools: mean
-- scores, and rag_pre_points / rag_post_points, the RAG ratings summed over
-- schools (Red = 1, Amber = 2, Green = 3), as in the Portsmouth evaluation.
-- An audit self-evaluation is not a validated instrument: read the changes
-- as the schools' own view.
-- depends: stg.audit, stg.programme_schools
-- check: not_null programme, area
-- check: unique programme, urn, area
-- check: accepted_values band = '>=20%', '10-19%', '0-9%', 'no change', 'decline'
WITH progs AS (
    SELECT DISTINCT programme, urn, start_period FROM stg.programme_schools WHERE role IN ('participant', 'coach')
),
items AS (
    SELECT coalesce(a.programme, p.programme) AS programme, a.urn, a.area, a.stage, a.rating_score, a.scale_max
    FROM stg.audit a
    LEFT JOIN progs p ON p.urn = a.urn AND a.programme IS NULL
    WHERE a.stage IN ('pre', 'post') AND a.rating_score IS NOT NULL AND a.urn IS NOT NULL
),
by_stage AS (
    SELECT programme, urn, area,
           avg(rating_score) FILTER (WHERE stage = 'pre')  AS pre_score,
           avg(rating_score) FILTER (WHERE stage = 'post') AS post_score,
           max(scale_max) AS scale_max
    FROM items WHERE programme IS NOT NULL
    GROUP BY ALL
),
rated AS (
    SELECT *,
        CASE WHEN pre_score IS NULL THEN NULL ELSE CAST(round(1 + 2 * (pre_score - 1) / nullif(scale_max - 1, 0)) AS INTEGER) END AS rag_pre_n,
        CASE WHEN post_score IS NULL THEN NULL ELSE CAST(round(1 + 2 * (post_score - 1) / nullif(scale_max - 1, 0)) AS INTEGER) END AS rag_post_n
    FROM by_stage
),
schools AS (
    SELECT programme, urn, area, pre_score, post_score, rag_pre_n, rag_post_n FROM rated
    UNION ALL
    SELECT programme, NULL, area, avg(pre_score), avg(post_score), sum(rag_pre_n), sum(rag_post_n)
    FROM rated GROUP BY programme, area
)
SELECT
    s.programme, s.urn, s.area,
    p.start_period AS time_period, edwh_year_label(p.start_period) AS academic_year,
    round(s.pre_score, 3) AS pre_score, round(s.post_score, 3) AS post_score,
    round(s.post_score - s.pre_score, 3) AS delta,
    round(100 * (s.post_score - s.pre_score) / nullif(s.pre_score, 0), 1) AS pct_change,
    CASE WHEN s.urn IS NULL OR s.pre_score IS NULL OR s.post_score IS NULL THEN NULL
         WHEN s.post_score < s.pre_score THEN 'decline'
         WHEN s.post_score = s.pre_score THEN 'no change'
         WHEN (s.post_score - s.pre_score) / s.pre_score >= 0.20 THEN '>=20%'
         WHEN (s.post_score - s.pre_score) / s.pre_score >= 0.10 THEN '10-19%'
         ELSE '0-9%' END AS band,
    CASE WHEN s.urn IS NULL THEN NULL ELSE ['R', 'A', 'G'][CAST(least(greatest(s.rag_pre_n, 1), 3) AS BIGINT)] END AS rag_pre,
    CASE WHEN s.urn IS NULL THEN NULL ELSE ['R', 'A', 'G'][CAST(least(greatest(s.rag_post_n, 1), 3) AS BIGINT)] END AS rag_post,
    CASE WHEN s.urn IS NULL THEN s.rag_pre_n END AS rag_pre_points,
    CASE WHEN s.urn IS NULL THEN s.rag_post_n END AS rag_post_points
FROM schools s
JOIN (SELECT programme, min(start_period) AS start_period FROM progs GROUP BY programme) p USING (programme)
