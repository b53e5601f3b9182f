-- school_census: the performance tables census file, one row per school per
-- year: pupils on roll and the shares with SEN, EAL and free school meals, as
-- DfE published them. A figure DfE did not give is NULL, with its marker
-- (NA, SUPP, ...) in the matching _status column.
-- depends: raw.perf_census
-- The national rows DfE adds at the end (NAT) have level = 'national' and
-- the phase they summarise in school_type.
-- check: unique level, urn, school_type, time_period
-- check: accepted_values level = 'school', 'national'
SELECT
    time_period,
    edwh_year_label(time_period) AS academic_year,
    CASE WHEN edwh_urn(urn_text) IS NOT NULL THEN 'school' ELSE 'national' END AS level,
    edwh_urn(urn_text) AS urn,
    edwh_la(la_text) AS la_code,
    edwh_estab(estab_text) AS estab,
    school_type,
    nor, norg, norb, pnorg, pnorb,
    tsenelse, psenelse, tsenelk, psenelk,
    numeal, numengfl, numuncfl, pnumeal, pnumengfl, pnumuncfl,
    numfsm, numfsmever, pnumfsmever,
    nor_status, numeal_status, numfsmever_status, pnumfsmever_status
FROM raw.perf_census
QUALIFY row_number() OVER (PARTITION BY urn_text, estab_text, time_period ORDER BY _load_id DESC, _line DESC) = 1
