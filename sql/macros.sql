-- Helper macros that every edwh connection defines (as TEMP macros, so they
-- never become part of a database file someone else opens). The connectors use
-- them to parse and validate incoming values; the models use them to derive
-- academic years and terms. Each parser returns NULL for a value it cannot
-- read; the caller decides whether that quarantines the row or nulls the value.

-- A trimmed value, or NULL when blank.
CREATE OR REPLACE TEMP MACRO edwh_blank(s) AS nullif(trim(CAST(s AS VARCHAR)), '');

-- UPN in canonical form: upper case, no spaces.
CREATE OR REPLACE TEMP MACRO edwh_upn(s) AS upper(replace(trim(s), ' ', ''));

-- The DfE check letter of a UPN: characters 2 to 13 weighted 2..13 (a letter in
-- position 13, as in a temporary UPN, counts as its index in the check
-- alphabet), summed, modulo 23, looked up in the alphabet without I, O and S.
CREATE OR REPLACE TEMP MACRO edwh_upn_check_letter(u) AS substr('ABCDEFGHJKLMNPQRTUVWXYZ',
    CAST(((ascii(u[2]) - 48) * 2 + (ascii(u[3]) - 48) * 3 + (ascii(u[4]) - 48) * 4 + (ascii(u[5]) - 48) * 5 + (ascii(u[6]) - 48) * 6 + (ascii(u[7]) - 48) * 7 + (ascii(u[8]) - 48) * 8 + (ascii(u[9]) - 48) * 9 + (ascii(u[10]) - 48) * 10 + (ascii(u[11]) - 48) * 11 + (ascii(u[12]) - 48) * 12
        + (CASE WHEN u[13] BETWEEN '0' AND '9' THEN ascii(u[13]) - 48
                ELSE instr('ABCDEFGHJKLMNPQRTUVWXYZ', u[13]) - 1 END) * 13) % 23 AS INTEGER) + 1, 1);

-- Why a (canonical) UPN is invalid, or NULL when it is valid.
CREATE OR REPLACE TEMP MACRO edwh_upn_problem(u) AS CASE
    WHEN u IS NULL THEN NULL
    WHEN length(u) <> 13 THEN 'UPN must be 13 characters'
    -- string functions rather than a regular expression: this runs on
    -- every row of every pupil file
    WHEN instr('ABCDEFGHJKLMNPQRTUVWXYZ', u[1]) = 0 OR ltrim(u[2:12], '0123456789') <> ''
      OR (instr('0123456789ABCDEFGHJKLMNPQRTUVWXYZ', u[13]) = 0)
        THEN 'UPN must be a letter, 11 digits and a digit or letter (I, O and S are never used)'
    WHEN u[1] <> edwh_upn_check_letter(u) THEN 'UPN check letter is wrong'
END;

-- A value of an identifying column as it may be shown to users: first four
-- characters (check letter and LA code of a UPN), the rest masked.
CREATE OR REPLACE TEMP MACRO edwh_mask(s) AS
    CASE WHEN s IS NULL THEN NULL
         ELSE substr(s, 1, 4) || repeat('*', greatest(length(s) - 4, 0)) END;

-- Whole numbers, tolerating Excel's '12.0' and '1.2E+3'.
CREATE OR REPLACE TEMP MACRO edwh_int(s) AS
    CASE WHEN try_cast(replace(trim(s), ',', '') AS DOUBLE) IS NOT NULL
          AND try_cast(replace(trim(s), ',', '') AS DOUBLE) = floor(try_cast(replace(trim(s), ',', '') AS DOUBLE))
          AND abs(try_cast(replace(trim(s), ',', '') AS DOUBLE)) < 9e15
         THEN CAST(try_cast(replace(trim(s), ',', '') AS DOUBLE) AS BIGINT) END;

-- Numbers, tolerating a % suffix and thousands separators.
CREATE OR REPLACE TEMP MACRO edwh_num(s) AS
    try_cast(replace(replace(trim(s), '%', ''), ',', '') AS DOUBLE);

-- Dates: ISO (2019-01-17) and UK (17/01/2019, 17/1/19, 17-01-2019), with or
-- without a time of day, and Excel serial day numbers (43482). Never US order.
-- Years outside 1900-2100 are NULL (edwh_date_in_range). No subquery: the
-- connectors call it inside the statement that reads a whole file, where a
-- subquery becomes a join over every row.
CREATE OR REPLACE TEMP MACRO edwh_date_any(s) AS CAST(CASE
        -- the two common forms first, each a single cheap parse
        WHEN length(trim(s)) = 10 AND trim(s)[5] = '-' AND trim(s)[8] = '-' THEN try_cast(trim(s) AS DATE)
        WHEN length(trim(s)) = 10 AND trim(s)[3] = '/' AND trim(s)[6] = '/' THEN try_strptime(trim(s), '%d/%m/%Y')
        WHEN regexp_full_match(trim(s), '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}')
            THEN try_strptime(regexp_replace(trim(s), '[.-]', '/', 'g'), '%d/%m/%y')
        WHEN regexp_full_match(trim(s), '[1-9][0-9]{4}(\.[0-9]+)?')
            THEN DATE '1899-12-30' + CAST(floor(CAST(trim(s) AS DOUBLE)) AS INTEGER)
        ELSE try_strptime(trim(s), ['%Y-%m-%d', '%d/%m/%Y', '%d-%m-%Y', '%d.%m.%Y', '%Y-%m-%d %H:%M:%S',
                                    '%Y-%m-%dT%H:%M:%S', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d %b %Y', '%d %B %Y'])
        END AS DATE);

-- A date from 1900 to 2100, else NULL: d is evaluated once (greatest and
-- least move a date outside the range onto a day just outside it).
CREATE OR REPLACE TEMP MACRO edwh_date_in_range(d) AS
    nullif(least(nullif(greatest(d, DATE '1899-12-31'), DATE '1899-12-31'), DATE '2101-01-01'), DATE '2101-01-01');

CREATE OR REPLACE TEMP MACRO edwh_date(s) AS edwh_date_in_range(edwh_date_any(s));

-- Yes/no flags: 1/0, Y/N, Yes/No, True/False, T/F.
CREATE OR REPLACE TEMP MACRO edwh_bool(s) AS CASE upper(trim(s))
    WHEN '1' THEN true WHEN 'Y' THEN true WHEN 'YES' THEN true WHEN 'TRUE' THEN true WHEN 'T' THEN true
    WHEN '0' THEN false WHEN 'N' THEN false WHEN 'NO' THEN false WHEN 'FALSE' THEN false WHEN 'F' THEN false
END;

-- Academic year as the integer 201819 from '2018/19', '2018-19', '201819' or
-- '2018/2019'. The second year must follow the first, or the value is NULL.
-- (No subquery: see edwh_date.)
CREATE OR REPLACE TEMP MACRO edwh_academic_year_of(m) AS
    CASE WHEN struct_extract(m, 'y1') <> ''
           AND CAST(right(struct_extract(m, 'y2'), 2) AS INTEGER) = (CAST(struct_extract(m, 'y1') AS INTEGER) + 1) % 100
           AND (length(struct_extract(m, 'y2')) = 2 OR CAST(struct_extract(m, 'y2') AS INTEGER) = CAST(struct_extract(m, 'y1') AS INTEGER) + 1)
         THEN CAST(struct_extract(m, 'y1') AS INTEGER) * 100 + (CAST(struct_extract(m, 'y1') AS INTEGER) + 1) % 100 END;

CREATE OR REPLACE TEMP MACRO edwh_academic_year(s) AS edwh_academic_year_of(regexp_extract(replace(trim(s), ' ', ''),
    '^((?:19|20)[0-9]{2})[/-]?((?:19|20)?[0-9]{2})$', ['y1', 'y2']));

-- The academic year (201819) a date falls in: years start on 1 September.
CREATE OR REPLACE TEMP MACRO edwh_year_of(d) AS CAST(
    CASE WHEN d IS NULL THEN NULL
         WHEN month(d) >= 9 THEN year(d) * 100 + (year(d) + 1) % 100
         ELSE (year(d) - 1) * 100 + year(d) % 100 END AS INTEGER);

-- '2018/19' from 201819.
CREATE OR REPLACE TEMP MACRO edwh_year_label(tp) AS
    CAST(tp // 100 AS VARCHAR) || '/' || lpad(CAST(tp % 100 AS VARCHAR), 2, '0');

-- The census term of a census date: October = autumn, January = spring, May = summer.
CREATE OR REPLACE TEMP MACRO edwh_census_term(d) AS CASE
    WHEN d IS NULL THEN NULL
    WHEN month(d) BETWEEN 9 AND 12 THEN 'autumn'
    WHEN month(d) BETWEEN 1 AND 3 THEN 'spring'
    ELSE 'summer' END;

-- LAESTAB from '8512001', '851/2001' or '851 2001'; NULL otherwise.
-- Excel's damage is undone where it is unambiguous: '8512001.0' (a number
-- stored as a float) and '851/23' (the establishment number's leading zeros
-- lost after the separator: 8510023). A LAESTAB written without a separator
-- cannot lose zeros, since LA codes start with 2 to 9.
CREATE OR REPLACE TEMP MACRO edwh_laestab(s) AS
    CASE WHEN length(trim(s)) = 7 AND trim(s) BETWEEN '2000000' AND '9999999' AND ltrim(trim(s), '0123456789') = ''
         THEN CAST(trim(s) AS INTEGER)
         WHEN regexp_full_match(trim(s), '[2-9][0-9]{2}[/ -]?[0-9]{4}')
         THEN CAST(regexp_replace(trim(s), '[/ -]', '') AS INTEGER)
         WHEN regexp_full_match(trim(s), '[2-9][0-9]{6}\.0+')
         THEN CAST(split_part(trim(s), '.', 1) AS INTEGER)
         WHEN regexp_full_match(trim(s), '[2-9][0-9]{2}[/ -][0-9]{1,3}')
         THEN CAST(left(trim(s), 3) AS INTEGER) * 10000 + CAST(trim(s)[5:] AS INTEGER) END;

-- Six-digit URN; NULL otherwise.
CREATE OR REPLACE TEMP MACRO edwh_urn(s) AS
    CASE WHEN regexp_full_match(trim(s), '[1-9][0-9]{5}(\.0+)?') THEN CAST(CAST(trim(s) AS DOUBLE) AS INTEGER) END;

-- Three-digit LA code; NULL otherwise.
CREATE OR REPLACE TEMP MACRO edwh_la(s) AS
    CASE WHEN regexp_full_match(trim(s), '[2-9][0-9]{2}(\.0+)?') THEN CAST(CAST(trim(s) AS DOUBLE) AS INTEGER) END;

-- Four-digit establishment number; NULL otherwise.
-- '123' is 0123 with its leading zero lost in Excel.
CREATE OR REPLACE TEMP MACRO edwh_estab(s) AS
    CASE WHEN regexp_full_match(trim(s), '[0-9]{1,4}(\.0+)?') THEN CAST(CAST(trim(s) AS DOUBLE) AS INTEGER) END;

-- x rounded to d decimal places after snapping it to 9: sums and averages
-- computed in parallel differ in the 16th digit from run to run, which
-- decides which way a value that is exactly on a boundary in decimal
-- (a mean P8 of 0.125) rounds. Snapping first makes the same data publish
-- the same figures.
CREATE OR REPLACE TEMP MACRO edwh_round(x, d) AS round(round(x, 9), d);
