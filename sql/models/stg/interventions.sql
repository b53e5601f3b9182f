-- interventions: the programme register in force, one row per register row:
-- programme, school, role ('participant', 'coach', 'comparison'), group,
-- dates, lead ('head', 'senco', 'teacher', 'other') and cost in pounds.
--
-- Supersession: a later register listing a programme replaces the earlier
-- rows of that programme (they stay in raw.interventions).
--
-- Schools: the register may give a URN, a LAESTAB or the school's name
-- (school_given). Names are matched to stg.schools ignoring case,
-- punctuation and '&' versus 'and'; where schools share the name, one in
-- an LA whose pupils are in the census wins, then an open one over a
-- closed one, and a tie left after that is ambiguous. resolved_by says
-- how the school was found ('urn', 'laestab', 'name'). A row that cannot
-- be resolved (unknown or ambiguous name, unknown LAESTAB) is kept with urn
-- NULL, unresolved saying why, and up to three similar school names in
-- candidates (Jaro-Winkler similarity of the normalised names at least
-- 0.86). Such a row counts in no mart: every run lists it in ops.quarantine
-- (action 'unresolved', the reason naming the candidates, so `edwh
-- quarantine` shows it) and in the interventions_unresolved_schools check,
-- until the register is corrected or an establishments extract that names
-- the school is loaded, when it resolves by itself: it is never silently
-- dropped.
-- depends: raw.interventions, stg.schools, stg.census
-- check: not_null programme, school_given, role, start_date
-- check: accepted_values role = 'participant', 'coach', 'comparison'
-- check: accepted_values lead = 'head', 'senco', 'teacher', 'other'
-- check: accepted_values resolved_by = 'urn', 'laestab', 'name'
-- check: relationships urn -> stg.schools.urn (warn)
WITH current_rows AS (
    SELECT *
    FROM raw.interventions
    QUALIFY _load_id = max(_load_id) OVER (PARTITION BY lower(programme))
),
-- The LAs whose pupils are in the census: a name shared with a school in
-- another LA resolves to the school in these.
home_las AS (
    SELECT DISTINCT la_code FROM stg.census WHERE la_code IS NOT NULL
),
schools AS (
    SELECT s.urn, s.laestab, s.name,
           h.la_code IS NOT NULL AS in_home_la,
           s.close_date IS NULL  AS is_open,
           trim(regexp_replace(regexp_replace(lower(replace(s.name, '&', ' and ')), '[''’]', '', 'g'), '[^a-z0-9]+', ' ', 'g')) AS name_key
    FROM stg.schools s
    LEFT JOIN home_las h ON h.la_code = s.la_code
),
given AS (
    SELECT
        r.*,
        coalesce(CAST(r.urn AS VARCHAR), CAST(r.laestab AS VARCHAR), r.school)                       AS school_given,
        coalesce(r.urn, edwh_urn(r.school))                                                         AS urn_given,
        coalesce(r.laestab, edwh_laestab(r.school))                                                 AS laestab_given,
        trim(regexp_replace(regexp_replace(lower(replace(r.school, '&', ' and ')), '[''’]', '', 'g'), '[^a-z0-9]+', ' ', 'g')) AS name_key
    FROM current_rows r
),
-- Schools whose name matches exactly, best first: in a home LA, then open.
name_matches AS (
    SELECT g._load_id, g._line, s.urn,
           count(*) OVER (PARTITION BY g._load_id, g._line, s.in_home_la, s.is_open) AS tied
    FROM given g
    JOIN schools s ON s.name_key = g.name_key
    WHERE g.urn_given IS NULL AND g.laestab_given IS NULL
    QUALIFY rank() OVER (PARTITION BY g._load_id, g._line ORDER BY s.in_home_la DESC, s.is_open DESC) = 1
),
by_name AS (
    SELECT _load_id, _line, any_value(urn) AS urn
    FROM name_matches
    GROUP BY _load_id, _line
    HAVING max(tied) = 1
),
-- One school per LAESTAB for the lookup: an open school before a closed one.
by_laestab AS (
    SELECT laestab, urn
    FROM stg.schools
    WHERE laestab IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY laestab ORDER BY close_date IS NULL DESC, urn DESC) = 1
),
resolved AS (
    SELECT
        g.*,
        coalesce(g.urn_given, l.urn, n.urn) AS urn_resolved,
        CASE WHEN g.urn_given IS NOT NULL THEN 'urn'
             WHEN l.urn IS NOT NULL THEN 'laestab'
             WHEN n.urn IS NOT NULL THEN 'name' END AS resolved_by
    FROM given g
    -- by LAESTAB, used only where the row gives no URN; a plain equality, which
    -- DuckDB hashes (adding 'g.urn_given IS NULL' here made it a nested loop)
    LEFT JOIN by_laestab l ON l.laestab = g.laestab_given
    LEFT JOIN by_name n ON n._load_id = g._load_id AND n._line = g._line
),
-- For rows left unresolved, the three most similar school names.
similar_names AS (
    SELECT r._load_id, r._line, s.urn, s.name, jaro_winkler_similarity(r.name_key, s.name_key) AS similarity
    FROM resolved r
    JOIN schools s ON jaro_winkler_similarity(r.name_key, s.name_key) >= 0.86
    WHERE r.urn_resolved IS NULL AND r.name_key IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY r._load_id, r._line ORDER BY similarity DESC, s.urn) <= 3
),
candidates AS (
    SELECT _load_id, _line, string_agg(name || ' (URN ' || urn || ')', ' | ' ORDER BY similarity DESC, urn) AS candidates
    FROM similar_names
    GROUP BY _load_id, _line
)
SELECT
    r.programme,
    r.school_given,
    r.urn_resolved                                          AS urn,
    coalesce(r.laestab_given, s.laestab)                    AS laestab,
    coalesce(r.laestab_given, s.laestab) // 10000           AS la_code,
    s.name                                                  AS school_name,
    r.resolved_by,
    CASE
        WHEN r.urn_resolved IS NOT NULL THEN NULL
        WHEN r.laestab_given IS NOT NULL THEN 'LAESTAB ' || r.laestab_given || ' is not in the establishments reference'
        WHEN m.matches > 1 THEN 'the name matches ' || m.matches || ' schools equally'
        ELSE 'no school of this name in the establishments reference'
    END                                                     AS unresolved,
    c.candidates,
    lower(r.role)                                           AS role,
    r.group_id,
    r.start_date,
    r.end_date,
    lower(r.lead)                                           AS lead,
    r.cost,
    r._load_id                                              AS load_id,
    r._line                                                 AS line
FROM resolved r
LEFT JOIN stg.schools s ON s.urn = r.urn_resolved
LEFT JOIN candidates c ON c._load_id = r._load_id AND c._line = r._line
LEFT JOIN (SELECT _load_id, _line, count(*) AS matches FROM name_matches GROUP BY ALL) m
       ON m._load_id = r._load_id AND m._line = r._line
