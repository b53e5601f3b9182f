-- check: neighbour_codes
-- severity: warn
-- description: Every statistical neighbour in the workbook is a 3-digit LA code, or "-" for an LA with none; anything else is not used for ranking.
WITH codes AS (
    SELECT _file, _line, la,
           unnest([sn1, sn2, sn3, sn4, sn5, sn6, sn7, sn8, sn9, sn10]) AS code
    FROM raw.neighbours
)
SELECT _file, _line, la, code
FROM codes
WHERE code IS NOT NULL AND trim(code) <> '-' AND edwh_la(code) IS NULL
