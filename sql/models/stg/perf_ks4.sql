-- perf_ks4: the performance tables KS4 rows in force, one per academic year
-- and school, local authority or national row. A year can have two
-- releases: the provisional file (published in the autumn, its name says
-- "provisional") and the final one (revised data, early the next year); the
-- final wins whatever order they were loaded in, then the latest load.
--
-- level comes from RECTYPE as the KS4 files define it (ks4_final_meta.csv
-- 2018-19): 1 mainstream school, 2 special school -> 'school'; 4 local
-- authority -> 'la'; 5 national (all schools) and 7 national (maintained,
-- i.e. state-funded, schools) -> 'national'.
--
-- Measures keep the connector's readable names: p8 is P8MEA, att8 is
-- ATT8SCR, eng_maths_4plus_pct is PTL2BASICS_94, p8_disadv is
-- P8MEA_FSM6CLA1A, p8_gap_national is DIFFN_P8MEA, ... (each raw column's
-- comment gives its DfE code). A figure DfE did not publish is NULL with
-- its marker in the _status column; a field the file does not have (the
-- provisional file is a headline subset) is NULL with a NULL status.
-- depends: raw.perf_ks4
-- check: not_null time_period, level, release
-- check: unique time_period, rectype, la_code, urn
-- check: accepted_values level = 'school', 'la', 'national'
-- check: accepted_values release = 'provisional', 'final'
WITH rows_ AS (
    SELECT *,
        CASE WHEN lower(regexp_extract(_file, '[^/]+$')) LIKE '%provisional%' THEN 'provisional' ELSE 'final' END AS release
    FROM raw.perf_ks4
)
SELECT
    time_period,
    edwh_year_label(time_period)                                    AS academic_year,
    CASE WHEN rectype IN (1, 2) THEN 'school' WHEN rectype = 4 THEN 'la' ELSE 'national' END AS level,
    CASE rectype WHEN 5 THEN 'all schools' WHEN 7 THEN 'state-funded' END AS national_scope,
    release,
    rectype,
    la                                                              AS la_code,
    urn,
    CASE WHEN rectype IN (1, 2) THEN la * 10000 + estab END         AS laestab,
    school_name                                                     AS name,
    school_type,
    -- every staged measure of the raw table, with its _status column
    COLUMNS(c -> c NOT IN ('_load_id', '_file', '_line', 'time_period', 'rectype', 'la', 'urn', 'estab',
                           'school_name', 'school_type', 'release')),
    _load_id                                                        AS load_id,
    _line                                                           AS line
FROM rows_
QUALIFY row_number() OVER (PARTITION BY time_period, rectype, la, urn
                           ORDER BY release = 'final' DESC, _load_id DESC, _line DESC) = 1
