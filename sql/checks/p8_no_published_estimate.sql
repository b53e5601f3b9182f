-- check: p8_no_published_estimate
-- severity: warn
-- model: stg.p8_pupils
-- description: KS4 pupils with an Attainment 8 score and a KS2 baseline, in a year with DfE's published Attainment 8 estimates loaded, whose baseline lies in no band of that year's estimates (below the lowest band, above the highest, or in a gap between two bands): they have no Progress 8 and count in no progress8 figure. One row per pupil. Check that the estimates file is the right year's and covers every band, and that the KS4 file's baselines are on the file's scale (fine levels or point scores for pupils who sat KS2 under levels, average scaled scores after).
SELECT a.time_period, a.urn, a.ks2_baseline
FROM mart.attainment a
WHERE a.key_stage = 'ks4' AND a.att8 IS NOT NULL AND a.ks2_baseline > 0
  AND a.time_period IN (SELECT time_period FROM stg.p8_estimates)
  AND NOT EXISTS (SELECT 1 FROM stg.p8_pupils p WHERE p.pupil_key = a.pupil_key AND p.time_period = a.time_period)
