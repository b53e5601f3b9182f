-- perf_abs: the performance tables absence figures in force, one row per
-- school (and per phase for the national rows) and academic year.
--
-- The year: the performance tables of one year publish the absence of the
-- year before, because full-year absence is only known after the summer
-- term. england_abs.csv of the 2018-19 tables is 2017/18 absence, so
-- time_period here is the tables' year (raw.perf_abs.time_period, from the
-- folder or file name) less one year, and tables_year keeps the tables'.
--
-- overall_absence_pct is PERCTOT (% of possible sessions missed);
-- persistent_absence_pct is PPERSABS10 (% of pupils missing 10% or more of
-- their sessions). The national rows (LA = NAT) carry the phase they
-- summarise in ESTAB: PRI, SEC or SPE.
-- depends: raw.perf_abs
-- check: not_null time_period, level
-- check: unique time_period, level, urn, phase
-- check: accepted_values level = 'school', 'national'
WITH rows_ AS (
    SELECT *, time_period - 101 AS absence_year -- 201819 - 101 = 201718
    FROM raw.perf_abs
)
SELECT
    absence_year                                                     AS time_period,
    edwh_year_label(absence_year)                                    AS academic_year,
    time_period                                                      AS tables_year,
    CASE WHEN urn IS NOT NULL THEN 'school' ELSE 'national' END      AS level,
    edwh_la(la_text)                                                 AS la_code,
    urn,
    edwh_la(la_text) * 10000 + edwh_estab(estab_text)                AS laestab,
    CASE upper(estab_text) WHEN 'PRI' THEN 'primary' WHEN 'SEC' THEN 'secondary' WHEN 'SPE' THEN 'special' END AS phase,
    overall_absence_pct,
    overall_absence_pct_status,
    persistent_absence_pct,
    persistent_absence_pct_status,
    _load_id                                                         AS load_id,
    _line                                                            AS line
FROM rows_
QUALIFY row_number() OVER (PARTITION BY time_period, urn, upper(la_text), upper(estab_text) ORDER BY _load_id DESC, _line DESC) = 1
