-- Each pupil's characteristics in each year's census (mart.pupils), keyed
-- by md5_number(pupil_key), a 128-bit number, for the gap cell models to
-- group and join pupils by: the 64-character key costs more to hash and
-- compare, and working it out once here saves doing it in each of them
-- (two keys colliding is a 1 in 10^25 chance at national scale).
-- depends: mart.pupils
-- check: not_null pk, time_period
SELECT md5_number(pupil_key) AS pk, time_period, urn, la_code, disadvantaged, sen_status, eal, gender
FROM mart.pupils
