-- check: attendance_reasons_exceed_absence
-- severity: warn
-- model: stg.attendance
-- description: The sessions recorded by absence reason (I M R S T H E C G U O N columns, where given) do not add up to more than the sessions absent.
SELECT urn, laestab, time_period, term, load_id, line, sessions_absent,
       coalesce(reason_i, 0) + coalesce(reason_m, 0) + coalesce(reason_r, 0) + coalesce(reason_s, 0)
     + coalesce(reason_t, 0) + coalesce(reason_h, 0) + coalesce(reason_e, 0) + coalesce(reason_c, 0)
     + coalesce(reason_g, 0) + coalesce(reason_u, 0) + coalesce(reason_o, 0) + coalesce(reason_n, 0) AS reason_sessions
FROM stg.attendance
WHERE coalesce(reason_i, 0) + coalesce(reason_m, 0) + coalesce(reason_r, 0) + coalesce(reason_s, 0)
    + coalesce(reason_t, 0) + coalesce(reason_h, 0) + coalesce(reason_e, 0) + coalesce(reason_c, 0)
    + coalesce(reason_g, 0) + coalesce(reason_u, 0) + coalesce(reason_o, 0) + coalesce(reason_n, 0) > sessions_absent
