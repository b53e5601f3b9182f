-- perf_ks2: the performance tables KS2 rows in force, one per academic year
-- and school, local authority or national row: where two files carry the
-- same row (an England file and an LA's own file, or a re-issue), the
-- latest loaded wins; the earlier stays in raw.perf_ks2 as history.
--
-- level comes from RECTYPE as the KS2 files define it (ks2_meta.csv
-- 2018-19, the same in the 2016/17 and 2017/18 files): 1 mainstream school,
-- 2 special school -> 'school'; 3 local authority -> 'la'; 4 national (all
-- schools) and 5 national (state-funded schools only) -> 'national'. Note
-- the KS4 file numbers its LA rows 4.
--
-- The measures keep the connector's readable names (rwm_expected_pct is
-- PTRWM_EXP, rwm_expected_disadv_pct is PTRWM_EXP_FSM6CLA1A, ...; each raw
-- column's comment gives its DfE code). A figure DfE did not publish is
-- NULL with its marker (SUPP, NE, NA, blank) in the _status column. Every
-- other column of the file is in raw.perf_ks2_wide (join on load_id, line).
-- depends: raw.perf_ks2
-- check: not_null time_period, level
-- check: unique time_period, rectype, la_code, urn
-- check: accepted_values level = 'school', 'la', 'national'
SELECT
    time_period,
    edwh_year_label(time_period)                                    AS academic_year,
    CASE WHEN rectype IN (1, 2) THEN 'school' WHEN rectype = 3 THEN 'la' ELSE 'national' END AS level,
    CASE rectype WHEN 4 THEN 'all schools' WHEN 5 THEN 'state-funded' END AS national_scope,
    rectype,
    la                                                              AS la_code,
    urn,
    CASE WHEN rectype IN (1, 2) THEN la * 10000 + estab END         AS laestab,
    school_name                                                     AS name,
    school_type,
    -- every staged measure of the raw table, with its _status column
    COLUMNS(c -> c NOT IN ('_load_id', '_file', '_line', 'time_period', 'rectype', 'la', 'urn', 'estab',
                           'school_name', 'school_type')),
    _load_id                                                        AS load_id,
    _line                                                           AS line
FROM raw.perf_ks2
QUALIFY row_number() OVER (PARTITION BY time_period, rectype, la, urn ORDER BY _load_id DESC, _line DESC) = 1
