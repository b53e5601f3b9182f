package connectors

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline/warehouse"
)

// The parsers' fast paths (sqlgen.go) must give exactly what the general
// path gives. This test loads awkward values through the Loader, for a field
// of every kind, and compares each stored value and each problem with the
// original, straightforward definition of the field's parse and problem,
// written here over the raw text R = edwh_blank(value).

// fastPathValues are the awkward values: blanks, spacing, case, every
// accepted form and the edges of every range.
var fastPathValues = []string{
	"", " ", "   ", "1", "0", "Y", "N", "n", " yes ", "Yes", "TRUE", "true", "t", "f", "False", "no", "2", " 1", "0 ",
	"M", "m", " F", "male", "Unknown", "U", "Q", "R", "rec", "Reception", "05", "5", "01", "E1", "e1", "x", "X", "c", "C",
	"SUPP", "supp", " NE ", "NE", "9999", " 9999", "9999.0", "09999", ".", "-", "..", "~", ":", "low", "LOW", "z",
	"NaN", "nan", "inf", "-inf", "Infinity", "1e3", "1E+3", "12.0", "12.5", "1,234", "12%", "%", " 42 ", "-5", "+7",
	"1_000", "0x10", "100", "120", "80", "79.5", "120.0", "120.5", "9e15", "9e16", "-40", "-40.5", "40", "400", "401",
	"2018/19", "2018-19", "201819", "2018/2019", "2018-2019", "20182019", "2018/20", "2018/2020", "1899/00", "1899/1900",
	"1999/00", "1999/2000", "2099/00", "2100/01", "2008/ 9", "2018 / 19", " 2018/19", "2018/19 ", "218/19", "2018/1",
	"17/01/2019", "17/1/19", "7/1/2019", "2019-01-17", "17-01-2019", "17.01.2019", "43482", "43482.75", "31/02/2019",
	" 7/01/2019", "17/01/1850", "01/01/1900", "31/12/1899", "31/12/2100", "01/01/2101", "31/12/2099", "1900-01-01",
	"1899-12-31", "2100-12-31", "2101-01-01", "2099-12-31", "2019-01-17 10:00:00", "17/01/2019 10:00", "17 Jan 2019",
	"17 January 2019", "2019-1-17", "2019-01-17 ", "20190117", "2019-02-29", "2020-02-29", "01/13/2019", "00/01/2019",
	"B801200005001", "b801200005001", " B801200005001 ", "B8012 0000 5001", "A801200005001", "H85120010100Z",
	"H851200101001", "X851200101002", "I801200005001", "B80120000500", "B8012000050011", "8.512E+2", "B80120000500A",
	"B8012000050O1", "b80120000500a",
	"8512001", "851/2001", "851 2001", "851-2001", "851/23", "851 123", "851-1", "851/", "8512001.00", "8512001.5", "1999999", "2000000", "9999999", "8512001.0", " 8512001", "0851200",
	"123456", "100000", "099999", "99999", "023456", "123456.0", "123456.00", "1234567",
	"851", "85", "201", "199", "851.0", "0001", "1234", "12345", "0001.0", "-001",
	"WBRI", "wbri", " WBRI", "WXYZ", "Fran\u00e7ais", "\u00c9COLE", "stra\u00dfe", "A", "a", "GDS", "gds", "WTS", "EXS",
	"HNM", "T", "B", "WT", "wt", "NAN", "Q9", "9",
}

// fastPathSource has one field of each kind, and the variants that take
// different fast paths.
func fastPathSource() *Source {
	return &Source{
		Name:  "fastpath",
		Table: "raw.fastpath",
		Fields: []Field{
			{Name: "t_text", Header: "TText", Kind: Text},
			{Name: "t_code", Header: "TCode", Kind: Code, Codes: []string{"M", "F", "U", "1", "E1", "c"},
				Map: map[string]string{"MALE": "M", "X": "U", "U": "F", "rec": "R", "05": "5", "Q": "E1"}},
			{Name: "t_code_plain", Header: "TCodePlain", Kind: Code, Codes: []string{"R", "5", "E1", "X"}},
			{Name: "t_keep", Header: "TKeep", Kind: Code, KeepUnknown: true, Codes: []string{"WBRI", "M"},
				Map: map[string]string{"MALE": "M", "WBRI": "WBRI"}},
			{Name: "t_keep_plain", Header: "TKeepPlain", Kind: Code, KeepUnknown: true, Codes: []string{"WBRI", "GDS"}},
			{Name: "t_int", Header: "TInt", Kind: Int},
			{Name: "t_int_range", Header: "TIntRange", Kind: Int, Min: 0, Max: 400},
			{Name: "t_num", Header: "TNum", Kind: Number},
			{Name: "t_num_range", Header: "TNumRange", Kind: Number, Min: -40, Max: 40},
			{Name: "t_date", Header: "TDate", Kind: Date},
			{Name: "t_bool", Header: "TBool", Kind: Bool},
			{Name: "t_year", Header: "TYear", Kind: AcademicYear},
			{Name: "t_upn", Header: "TUPN", Kind: UPN, Identifying: true},
			{Name: "t_laestab", Header: "TLAESTAB", Kind: LAESTAB},
			{Name: "t_urn", Header: "TURN", Kind: URN},
			{Name: "t_la", Header: "TLA", Kind: LACode},
			{Name: "t_estab", Header: "TEstab", Kind: Estab},
			{Name: "t_score", Header: "TScore", Kind: ScoreOrCode, Min: 80, Max: 120, Codes: []string{"A", "B", "WT", "T"}},
			{Name: "t_score_num", Header: "TScoreNum", Kind: ScoreOrCode, Codes: []string{"9", "NAN", "Q9"}},
			{Name: "t_measure", Header: "TMeasure", Kind: Measure},
			{Name: "t_measure_range", Header: "TMeasureRange", Kind: Measure, Min: 0, Max: 100},
		},
	}
}

// Reference definitions: how each kind was parsed and checked before the
// fast paths, over R.
const refMacros = `
CREATE OR REPLACE TEMP MACRO ref_date(s) AS (
    WITH p AS (SELECT CAST(CASE
        WHEN length(trim(s)) = 10 AND trim(s)[5] = '-' AND trim(s)[8] = '-' THEN try_cast(trim(s) AS DATE)
        WHEN length(trim(s)) = 10 AND trim(s)[3] = '/' AND trim(s)[6] = '/' THEN try_strptime(trim(s), '%d/%m/%Y')
        WHEN regexp_full_match(trim(s), '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}')
            THEN try_strptime(regexp_replace(trim(s), '[.-]', '/', 'g'), '%d/%m/%y')
        WHEN regexp_full_match(trim(s), '[1-9][0-9]{4}(\.[0-9]+)?')
            THEN DATE '1899-12-30' + CAST(floor(CAST(trim(s) AS DOUBLE)) AS INTEGER)
        ELSE try_strptime(trim(s), ['%Y-%m-%d', '%d/%m/%Y', '%d-%m-%Y', '%d.%m.%Y', '%Y-%m-%d %H:%M:%S',
                                    '%Y-%m-%dT%H:%M:%S', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d %b %Y', '%d %B %Y'])
        END AS DATE) AS d)
    SELECT CASE WHEN year(d) BETWEEN 1900 AND 2100 THEN d END FROM p);
CREATE OR REPLACE TEMP MACRO ref_academic_year(s) AS (
    WITH p AS (SELECT regexp_extract(replace(trim(s), ' ', ''),
                   '^((?:19|20)[0-9]{2})[/-]?((?:19|20)?[0-9]{2})$', ['y1', 'y2']) AS m)
    SELECT CASE WHEN m.y1 <> '' AND CAST(right(m.y2, 2) AS INTEGER) = (CAST(m.y1 AS INTEGER) + 1) % 100
                 AND (length(m.y2) = 2 OR CAST(m.y2 AS INTEGER) = CAST(m.y1 AS INTEGER) + 1)
                THEN CAST(m.y1 AS INTEGER) * 100 + (CAST(m.y1 AS INTEGER) + 1) % 100 END
    FROM p);
CREATE OR REPLACE TEMP MACRO ref_int(s) AS
    CASE WHEN try_cast(replace(trim(s), ',', '') AS DOUBLE) IS NOT NULL
          AND try_cast(replace(trim(s), ',', '') AS DOUBLE) = floor(try_cast(replace(trim(s), ',', '') AS DOUBLE))
          AND abs(try_cast(replace(trim(s), ',', '') AS DOUBLE)) < 9e15
         THEN CAST(try_cast(replace(trim(s), ',', '') AS DOUBLE) AS BIGINT) END;
CREATE OR REPLACE TEMP MACRO ref_upn_problem(u) AS CASE
    WHEN u IS NULL THEN NULL
    WHEN length(u) <> 13 THEN 'UPN must be 13 characters'
    WHEN NOT regexp_full_match(u, '[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]')
        THEN 'UPN must be a letter, 11 digits and a digit or letter (I, O and S are never used)'
    WHEN u[1] <> edwh_upn_check_letter(u) THEN 'UPN check letter is wrong'
END;
`

// refMap is Field.Map applied to upper(r), as it was.
func refMap(f *Field, r string) string {
	up := "upper(" + r + ")"
	if len(f.Map) == 0 {
		return up
	}
	keys := make([]string, 0, len(f.Map))
	for k := range f.Map {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("CASE " + up)
	for _, k := range keys {
		fmt.Fprintf(&b, " WHEN %s THEN %s", quoteLit(strings.ToUpper(k)), quoteLit(f.Map[k]))
	}
	b.WriteString(" ELSE " + up + " END")
	return b.String()
}

// refExprs are the reference parse, extra and problem of f over R.
func refExprs(f *Field) (parse, extra, problem string) {
	r := "edwh_blank(v)"
	ranged := func(v string) string {
		if !f.hasRange() {
			return v
		}
		return fmt.Sprintf("CASE WHEN %s BETWEEN %s AND %s THEN %s END", v, fmtNum(f.Min), fmtNum(f.Max), v)
	}
	std := func(p, bad string) string {
		return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL WHEN %s IS NULL THEN %s END", r, p, bad)
	}
	outOfRange := quoteLit(rangeReason(f, "out of range: expected"))
	num := "try_cast(replace(replace(trim(" + r + "), '%', ''), ',', '') AS DOUBLE)"
	switch f.Kind {
	case Text:
		return r, "", ""
	case Code:
		m := refMap(f, r)
		if f.KeepUnknown {
			return m, "", fmt.Sprintf("CASE WHEN %s IS NOT NULL AND NOT %s THEN 'unknown code, kept and flagged' END", r, inList(m, f.Codes))
		}
		p := fmt.Sprintf("CASE WHEN %s THEN %s END", inList(m, f.Codes), m)
		return p, "", std(p, quoteLit("not a valid code (expected one of "+strings.Join(f.Codes, ", ")+")"))
	case Int:
		p := ranged("ref_int(" + r + ")")
		return p, "", std(p, fmt.Sprintf("CASE WHEN ref_int(%s) IS NULL THEN 'not a whole number' ELSE %s END", r, outOfRange))
	case Number:
		p := ranged(num)
		return p, "", std(p, fmt.Sprintf("CASE WHEN %s IS NULL THEN 'not a number' ELSE %s END", num, outOfRange))
	case Date:
		p := "ref_date(" + r + ")"
		return p, "", std(p, "'not a date: expected YYYY-MM-DD or DD/MM/YYYY'")
	case Bool:
		p := "edwh_bool(" + r + ")"
		return p, "", std(p, "'not a yes/no value: expected 1/0, Y/N or true/false'")
	case AcademicYear:
		p := "ref_academic_year(" + r + ")"
		return p, "", std(p, "'not an academic year: expected 2018/19, 2018-19 or 201819'")
	case UPN:
		u := "upper(replace(trim(" + r + "), ' ', ''))"
		p := fmt.Sprintf("CASE WHEN ref_upn_problem(%s) IS NULL THEN %s END", u, u)
		return p, "", std(p, "ref_upn_problem("+u+")")
	case LAESTAB:
		// seven digits with an optional separator; a float's '.0'; an
		// establishment number that lost its leading zeros after a separator
		p := fmt.Sprintf(`CASE WHEN regexp_full_match(trim(%[1]s), '[2-9][0-9]{2}[/ -]?[0-9]{4}') THEN CAST(regexp_replace(trim(%[1]s), '[/ -]', '') AS INTEGER)
			WHEN regexp_full_match(trim(%[1]s), '[2-9][0-9]{6}\.0+') THEN CAST(CAST(trim(%[1]s) AS DOUBLE) AS INTEGER)
			WHEN regexp_full_match(trim(%[1]s), '[2-9][0-9]{2}[/ -][0-9]{1,3}') THEN CAST(regexp_extract(trim(%[1]s), '^([0-9]{3})', 1) AS INTEGER) * 10000 + CAST(regexp_extract(trim(%[1]s), '([0-9]+)$', 1) AS INTEGER) END`, r)
		return p, "", std(p, "'not a LAESTAB: expected 7 digits, e.g. 8512001 or 851/2001'")
	case URN:
		p := "edwh_urn(" + r + ")"
		return p, "", std(p, "'not a URN: expected 6 digits'")
	case LACode:
		p := "edwh_la(" + r + ")"
		return p, "", std(p, "'not an LA code: expected 3 digits'")
	case Estab:
		p := "edwh_estab(" + r + ")"
		return p, "", std(p, "'not an establishment number: expected 4 digits'")
	case ScoreOrCode:
		p := ranged(num)
		code := fmt.Sprintf("CASE WHEN %s THEN upper(%s) END", inList("upper("+r+")", f.Codes), r)
		return p, code, fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL WHEN %s IS NULL AND %s IS NULL THEN %s END", r, p, code,
			quoteLit(rangeReason(f, "not a score")+" or a code ("+strings.Join(f.Codes, ", ")+")"))
	case Measure:
		marker := fmt.Sprintf("CASE WHEN %s IS NULL THEN 'blank' WHEN %s THEN upper(%s) END", r, inList("upper("+r+")", Markers), r)
		p := fmt.Sprintf("CASE WHEN %s IS NULL THEN %s END", marker, ranged(num))
		return p, marker, fmt.Sprintf("CASE WHEN %s IS NULL AND %s IS NULL THEN %s END", marker, p,
			quoteLit(rangeReason(f, "not a number")+" or a DfE marker ("+strings.Join(Markers, ", ")+")"))
	}
	panic("kind")
}

func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func TestFastPathsMatchTheGeneralDefinitions(t *testing.T) {
	var macros []string
	for _, s := range strings.Split(refMacros, ";\n") {
		if strings.TrimSpace(s) != "" {
			macros = append(macros, s)
		}
	}
	conn, ctx := workingDB(t, macros...)

	src := fastPathSource()
	var b strings.Builder
	for i, f := range src.Fields {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(f.Header)
	}
	b.WriteString("\n")
	for _, v := range fastPathValues {
		for i := range src.Fields {
			if i > 0 {
				b.WriteString(",")
			}
			if v != "" {
				b.WriteString(csvQuote(v))
			}
		}
		b.WriteString("\n")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "values.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &Loader{Source: src, TempDir: dir}
	res, err := l.Load(ctx, conn, 1, File{Path: p, Rel: "fastpath/values.csv", Size: int64(b.Len())})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusLoaded || res.RowsLoaded != int64(len(fastPathValues)) {
		t.Fatalf("%+v %v", res, res.Refused)
	}

	// The reference, over the same values, by line.
	var vals []string
	var args []any
	for i, v := range fastPathValues {
		vals = append(vals, "(?, ?)")
		args = append(args, i+2, v)
	}
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE ref_values (line BIGINT, v VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO ref_values VALUES "+strings.Join(vals, ", "), args...); err != nil {
		t.Fatal(err)
	}
	for i := range src.Fields {
		f := &src.Fields[i]
		parse, extra, problem := refExprs(f)
		if extra == "" {
			extra = "NULL"
		}
		if problem == "" {
			problem = "NULL"
		}
		extraCol := "NULL"
		switch f.Kind {
		case ScoreOrCode:
			extraCol = quoteIdent(f.Name + "_code")
		case Measure:
			extraCol = quoteIdent(f.Name + "_status")
		}
		value := "left(edwh_blank(v), 100)"
		if f.Identifying {
			value = "edwh_mask(edwh_blank(v))"
		}
		q := fmt.Sprintf(`WITH ref AS (
				SELECT line, v, CAST(%s AS VARCHAR) AS parsed, CAST(%s AS VARCHAR) AS extra, %s AS reason, %s AS value FROM ref_values),
			got AS (
				SELECT _line AS line, CAST(%s AS VARCHAR) AS parsed, CAST(%s AS VARCHAR) AS extra,
					(list_filter(_problems, x -> x.field = %s))[1] AS problem
				FROM raw.fastpath WHERE _load_id = ?)
			SELECT ref.v, ref.parsed, got.parsed, ref.extra, got.extra, ref.reason, got.problem.reason,
				CASE WHEN ref.reason IS NULL THEN NULL ELSE ref.value END, got.problem.value
			FROM ref JOIN got USING (line)
			WHERE ref.parsed IS DISTINCT FROM got.parsed OR ref.extra IS DISTINCT FROM got.extra
			   OR ref.reason IS DISTINCT FROM got.problem.reason
			   OR (ref.reason IS NOT NULL AND ref.value IS DISTINCT FROM got.problem.value)
			ORDER BY ref.line`,
			parse, extra, problem, value, quoteIdent(f.Name), extraCol, quoteLit(f.Name))
		rows, err := conn.QueryContext(ctx, q, res.LoadID)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		for rows.Next() {
			var v string
			var rp, gp, re, ge, rr, gr, rv, gv sql.NullString
			if err := rows.Scan(&v, &rp, &gp, &re, &ge, &rr, &gr, &rv, &gv); err != nil {
				t.Fatal(err)
			}
			t.Errorf("%s %q: parsed %v / %v, extra %v / %v, reason %v / %v, value %v / %v (reference / loaded)",
				f.Name, v, rp, gp, re, ge, rr, gr, rv, gv)
		}
		rows.Close()
	}

	// The edwh_date and edwh_academic_year macros lost their subqueries,
	// not their meaning.
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM ref_values
		WHERE edwh_date(v) IS DISTINCT FROM ref_date(v) OR edwh_academic_year(v) IS DISTINCT FROM ref_academic_year(v)
		   OR edwh_int(v) IS DISTINCT FROM ref_int(v)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d values where the macros differ from their reference", n)
	}
}

// A marker that is not all digits must never read as a number: the
// Measure fast path relies on it.
func TestMarkersAreNotNumbers(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, m := range Markers {
		if strings.Trim(m, "0123456789") == "" {
			continue
		}
		for _, v := range []string{m, strings.ToLower(m), " " + m + " "} {
			var isNum bool
			if err := db.QueryRowContext(ctx, `SELECT TRY_CAST(? AS DOUBLE) IS NOT NULL
				OR TRY_CAST(replace(replace(trim(?), '%', ''), ',', '') AS DOUBLE) IS NOT NULL`, v, v).Scan(&isNum); err != nil {
				t.Fatal(err)
			}
			if isNum {
				t.Errorf("marker %q reads as a number", v)
			}
		}
	}
}
