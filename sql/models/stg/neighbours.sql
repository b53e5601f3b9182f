-- neighbours: DfE children's services statistical neighbours, one row per
-- neighbour set, local authority and neighbour (1 = nearest of its ten),
-- with the closeness label the workbook gives (Extremely Close ... Not
-- Close). A set is named by the file it came from: sn_april_2021.xlsx is
-- 'sn_april_2021'.
--
-- in_use marks the set each LA is compared with in mart.rankings: the most
-- recently loaded workbook that lists the LA. The 2021 workbook also lists,
-- under "Old SNs", LAs since reorganised (Poole, Bournemouth, Dorset before
-- 2019, Northamptonshire before 2021), so older years still find their
-- neighbours. A neighbour written "-" (an LA with no neighbours yet) is not
-- a row; raw.neighbours keeps the workbook as it is.
-- depends: raw.neighbours
-- check: unique neighbour_set, la_code, neighbour_rank
-- check: not_null neighbour_set, la_code, neighbour_rank, neighbour_la_code
WITH rows_ AS (
    SELECT *,
        regexp_replace(regexp_extract(_file, '[^/]+$'), '\.[A-Za-z0-9]+$', '') AS neighbour_set
    FROM raw.neighbours
),
in_force AS (
    -- one row per set and LA: a re-loaded workbook of the same name wins
    SELECT *
    FROM rows_
    QUALIFY row_number() OVER (PARTITION BY neighbour_set, la ORDER BY _load_id DESC, _line) = 1
),
long AS (
    SELECT neighbour_set, la, la_name, _load_id,
           unnest(range(1, 11))                                     AS neighbour_rank,
           unnest([sn1, sn2, sn3, sn4, sn5, sn6, sn7, sn8, sn9, sn10]) AS code,
           unnest([sn1_closeness, sn2_closeness, sn3_closeness, sn4_closeness, sn5_closeness,
                   sn6_closeness, sn7_closeness, sn8_closeness, sn9_closeness, sn10_closeness]) AS closeness
    FROM in_force
)
SELECT
    neighbour_set,
    la                                   AS la_code,
    la_name,
    CAST(neighbour_rank AS INTEGER)      AS neighbour_rank,
    edwh_la(code)                        AS neighbour_la_code,
    closeness,
    _load_id = max(_load_id) OVER (PARTITION BY la) AS in_use,
    _load_id                             AS load_id
FROM long
WHERE edwh_la(code) IS NOT NULL
