-- audit: SEND audit (self-evaluation / review) ratings in force, one row per
-- school, audit date, area and item.
--
-- Ratings: rating is 'R', 'A' or 'G' (Red, Amber and Green are read as
-- their letters) or the number as given; rag is the RAG letter where the
-- rating was one; rating_score is numeric (R=1, A=2, G=3, or the number) on
-- a scale from 1 to scale_max (3 for RAG; for numbers the ScaleMax column,
-- else the parameter audit_scale_max). score is the file's own Score
-- column, as supplied.
--
-- Stage ('pre', 'interim', 'post') is as given; where the file leaves it
-- blank it is derived from the school's programme in stg.interventions
-- (stage_source = 'derived'): an audit before the programme start, or
-- within audit_pre_window_days after it, is 'pre'; one on or after the
-- programme's end date, or the school's last audit for the programme at
-- least audit_post_min_days after the start, is 'post'; anything else in
-- between is 'interim'. Without a programme for the school the stage stays
-- NULL ('unknown'). The programme is as given, else the school's programme
-- whose dates (a year either side) contain the audit, the nearest start
-- first.
--
-- Supersession: for each school and audit date, the rows of the latest file
-- (they stay in raw.audit). Areas that match the six areas of the SEND
-- review, ignoring case and punctuation, take their standard spelling.
-- depends: raw.audit, stg.schools, stg.interventions
-- check: not_null urn, audit_date, area, rating, rating_score, time_period
-- check: not_null stage (warn)
-- check: accepted_values stage = 'pre', 'interim', 'post'
-- check: accepted_values stage_source = 'given', 'derived', 'unknown'
-- check: accepted_values rag = 'R', 'A', 'G'
-- check: relationships urn -> stg.schools.urn (warn)
WITH current_rows AS (
    SELECT *
    FROM raw.audit
    QUALIFY _load_id = max(_load_id) OVER (
        PARTITION BY coalesce(CAST(laestab AS VARCHAR), 'urn' || CAST(urn AS VARCHAR)), audit_date)
),
-- One school per LAESTAB for the lookup: an open school before a closed one.
by_laestab AS (
    SELECT laestab, urn
    FROM stg.schools
    WHERE laestab IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY laestab ORDER BY close_date IS NULL DESC, open_date DESC NULLS LAST, urn DESC) = 1
),
audits AS (
    SELECT
        a.*,
        coalesce(a.urn, l.urn)         AS school_urn,
        coalesce(a.laestab, s.laestab) AS school_laestab,
        CASE upper(a.rating) WHEN 'R' THEN 'R' WHEN 'RED' THEN 'R' WHEN 'A' THEN 'A' WHEN 'AMBER' THEN 'A'
                             WHEN 'G' THEN 'G' WHEN 'GREEN' THEN 'G' END AS rag_letter
    FROM current_rows a
    -- by LAESTAB, used only where the row gives no URN; a plain equality, which
    -- DuckDB hashes (adding 'a.urn IS NULL' here made it a nested loop)
    LEFT JOIN by_laestab l ON l.laestab = a.laestab
    LEFT JOIN stg.schools s ON s.urn = a.urn
),
programmes AS (
    SELECT urn, programme, min(start_date) AS start_date, max(end_date) AS end_date
    FROM stg.interventions
    WHERE urn IS NOT NULL
    GROUP BY urn, programme
),
matched AS (
    SELECT a.*, p.programme AS p_programme, p.start_date AS p_start, p.end_date AS p_end
    FROM audits a
    LEFT JOIN programmes p ON p.urn = a.school_urn AND (
        lower(p.programme) = lower(a.programme)
        OR (a.programme IS NULL AND a.audit_date BETWEEN p.start_date - INTERVAL 365 DAY
                                                 AND coalesce(p.end_date, DATE '9999-01-01') + INTERVAL 365 DAY))
    QUALIFY row_number() OVER (PARTITION BY a._load_id, a._line
                               ORDER BY abs(date_diff('day', p.start_date, a.audit_date)) NULLS LAST, p.programme) = 1
),
staged AS (
    SELECT
        m.*,
        CASE
            WHEN m.stage IS NOT NULL THEN lower(m.stage)
            WHEN m.p_start IS NULL THEN NULL
            WHEN m.audit_date < m.p_start + to_days(CAST(getvariable('edwh_audit_pre_window_days') AS INTEGER)) THEN 'pre'
            WHEN m.audit_date >= m.p_end THEN 'post'
            WHEN m.audit_date = max(m.audit_date) OVER (PARTITION BY m.school_urn, m.p_programme)
             AND m.audit_date >= m.p_start + to_days(CAST(getvariable('edwh_audit_post_min_days') AS INTEGER)) THEN 'post'
            ELSE 'interim'
        END AS stage_resolved
    FROM matched m
)
SELECT
    school_urn                                              AS urn,
    school_laestab                                          AS laestab,
    school_laestab // 10000                                 AS la_code,
    coalesce(programme, p_programme)                        AS programme,
    audit_date,
    CAST(edwh_year_of(audit_date) AS INTEGER)               AS time_period,
    stage_resolved                                          AS stage,
    CASE WHEN stage IS NOT NULL THEN 'given'
         WHEN stage_resolved IS NOT NULL THEN 'derived'
         ELSE 'unknown' END                                 AS stage_source,
    CASE regexp_replace(lower(area), '[^a-z]+', '', 'g')
        WHEN 'improvingoutcomes' THEN 'Improving outcomes'
        WHEN 'leadership' THEN 'Leadership'
        WHEN 'teachingandlearning' THEN 'Teaching and learning'
        WHEN 'engagingwithfamilies' THEN 'Engaging with families'
        WHEN 'identificationmonitoringandtracking' THEN 'Identification monitoring and tracking'
        WHEN 'developingprovision' THEN 'Developing provision'
        ELSE area
    END                                                     AS area,
    item,
    coalesce(rag_letter, rating)                            AS rating,
    rag_letter                                              AS rag,
    CASE rag_letter WHEN 'R' THEN 1 WHEN 'A' THEN 2 WHEN 'G' THEN 3 ELSE edwh_num(rating) END AS rating_score,
    CASE WHEN rag_letter IS NOT NULL THEN 3
         ELSE coalesce(scale_max, getvariable('edwh_audit_scale_max')) END AS scale_max,
    score,
    evidence,
    _load_id                                                AS load_id,
    _line                                                   AS line
FROM staged
