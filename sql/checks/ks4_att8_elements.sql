-- check: ks4_att8_elements
-- severity: warn
-- model: stg.ks4
-- description: Where all four Attainment 8 elements are given, they add up to Attainment 8 (English + maths + EBacc + open, each as slot points).
SELECT urn, time_period, load_id, line, att8, att8_eng + att8_mat + att8_ebacc + att8_open AS elements
FROM stg.ks4
WHERE att8_eng IS NOT NULL AND att8_mat IS NOT NULL AND att8_ebacc IS NOT NULL AND att8_open IS NOT NULL
  AND abs(att8_eng + att8_mat + att8_ebacc + att8_open - att8) > 0.01
