package connectors

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteLit quotes a SQL string literal. Only edwh's own constants (codes,
// reasons) go through it; anything from a file or a config is bound as a
// query parameter instead.
func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func fmtNum(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}

// fieldSQL holds the expressions that parse and check one field, for the
// layered statement validationSQL builds. In them, C is the column as the
// CSV reader returned it (untrimmed; an empty value is NULL), R the raw text
// as edwh defines it (edwh_blank(C): trimmed, blank as NULL), H the field's
// helper column and P its parsed column.
//
// Every parser has a fast path for the value as MIS exports and DfE files
// write it (a code exactly as listed, 17/01/2019, 8512001, a plain number,
// a valid permanent UPN), decided with cheap tests on C (GLOB, list_contains
// over a constant list), and falls back to the general definition (mostly
// the edwh_* macros) for anything else. The fast path must give exactly
// what the general path gives wherever it applies (fastpath_test.go checks
// it); it only saves work. R and the general path are evaluated only where
// the fast path fails: no regular expression, per-row list or failing cast
// runs for a well-formed value. Expressions that would be repeated are
// computed once, as H or G.
type fieldSQL struct {
	helper  string   // optional, from C: computed one layer before pre (as H)
	pre     string   // optional, from C and H: computed one layer before parse (as G)
	parse   string   // parsed value, from C, H and G
	extra   []string // further stored columns ("expr AS name"), from C and H
	problem string   // reason from C, R, H, P and extras, or NULL; "" when there is never a problem
}

func listLit(codes []string) string {
	q := make([]string, len(codes))
	for i, c := range codes {
		q[i] = quoteLit(c)
	}
	return strings.Join(q, ", ")
}

// inList tests whether expr is one of values. It is list_contains over a
// constant list rather than IN (...): DuckDB plans a long IN list as a join,
// and a file with fifty measure columns then spends seconds planning a
// statement that runs in milliseconds.
func inList(expr string, values []string) string {
	return fmt.Sprintf("list_contains([%s], %s)", listLit(values), expr)
}

// codeExpr is the code a value stands for: Field.Map applied to u (the
// value trimmed and upper-cased), then, unless keep, NULL for anything not
// in Field.Codes. keep returns u itself when Map has no entry, and NULL for
// a blank u.
func codeExpr(f *Field, u string, keep bool) string {
	keys := make([]string, 0, len(f.Map))
	for k := range f.Map {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	valid := map[string]bool{}
	for _, c := range f.Codes {
		valid[c] = true
	}
	var b strings.Builder
	b.WriteString("CASE")
	if keep {
		fmt.Fprintf(&b, " WHEN %s = '' THEN NULL", u)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		k2, v := strings.ToUpper(k), f.Map[k]
		if seen[k2] {
			continue
		}
		seen[k2] = true
		if keep || valid[v] {
			fmt.Fprintf(&b, " WHEN %s = %s THEN %s", u, quoteLit(k2), quoteLit(v))
		} else {
			fmt.Fprintf(&b, " WHEN %s = %s THEN NULL", u, quoteLit(k2))
		}
	}
	if keep {
		if len(keys) == 0 {
			return fmt.Sprintf("nullif(%s, '')", u)
		}
		fmt.Fprintf(&b, " ELSE %s END", u)
		return b.String()
	}
	for _, c := range f.Codes {
		if !seen[c] {
			seen[c] = true
			fmt.Fprintf(&b, " WHEN %s = %s THEN %s", u, quoteLit(c), quoteLit(c))
		}
	}
	b.WriteString(" END")
	return b.String()
}

// exactCodes are the codes a value written exactly as the code stands for
// itself: upper-case ASCII codes that Field.Map does not rename.
func exactCodes(f *Field) []string {
	mapped := map[string]bool{}
	for k := range f.Map {
		mapped[strings.ToUpper(k)] = true
	}
	var out []string
	for _, c := range f.Codes {
		if c != "" && isUpperASCII(c) && !mapped[c] {
			out = append(out, c)
		}
	}
	return out
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || (s[i] >= 'a' && s[i] <= 'z') {
			return false
		}
	}
	return true
}

// mayParseAsNumber reports whether DuckDB might read code as a DOUBLE; if no
// code can, a value that reads as a number is no code.
func mayParseAsNumber(code string) bool {
	l := strings.ToLower(strings.TrimSpace(code))
	l = strings.TrimLeft(l, "+-")
	switch l {
	case "inf", "infinity", "nan":
		return true
	}
	for _, r := range l {
		if !strings.ContainsRune("0123456789.e_ ,%", r) {
			return false
		}
	}
	return true
}

// rangeCheck wraps a numeric expression so that out-of-range values are NULL.
func rangeCheck(f *Field, v string) string {
	if !f.hasRange() {
		return v
	}
	return fmt.Sprintf("CASE WHEN %s BETWEEN %s AND %s THEN %s END", v, fmtNum(f.Min), fmtNum(f.Max), v)
}

func rangeReason(f *Field, what string) string {
	if !f.hasRange() {
		return what
	}
	return fmt.Sprintf("%s from %s to %s", what, fmtNum(f.Min), fmtNum(f.Max))
}

// blankExpr is edwh_blank(c) without the trim when there is nothing to trim.
func blankExpr(c string) string {
	return fmt.Sprintf("CASE WHEN prefix(%s, ' ') OR suffix(%s, ' ') OR %s = '' THEN nullif(trim(%s), '') ELSE %s END", c, c, c, c, c)
}

// digitGlob is a GLOB pattern: first, then n digits.
func digitGlob(first string, n int) string {
	return first + strings.Repeat("[0-9]", n)
}

// numHelper is edwh_num(C) (withPercent) or the number edwh_int(C) reads,
// cast straight from C when C is a plain number.
func numHelper(c string, withPercent bool) string {
	clean := "replace(trim(" + c + "), ',', '')"
	if withPercent {
		clean = "replace(replace(trim(" + c + "), '%', ''), ',', '')"
	}
	// A string that casts to DOUBLE has no ',' or '%', and the cast
	// ignores the spaces trim would remove: both casts agree.
	return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE coalesce(TRY_CAST(%s AS DOUBLE), TRY_CAST(%s AS DOUBLE)) END", c, c, clean)
}

// boolValues are what edwh_bool (sql/macros.sql) reads, trimmed and
// upper-cased.
var boolValues = []struct {
	text  string
	value bool
}{{"1", true}, {"Y", true}, {"YES", true}, {"TRUE", true}, {"T", true},
	{"0", false}, {"N", false}, {"NO", false}, {"FALSE", false}, {"F", false}}

// upnLetters are the character codes of the DfE check letters, in order.
var upnLetters = func() string {
	var codes []string
	for _, r := range "ABCDEFGHJKLMNPQRTUVWXYZ" {
		codes = append(codes, fmt.Sprint(int(r)))
	}
	return "[" + strings.Join(codes, ", ") + "]"
}()

// upnCheck is the DfE check sum of a permanent UPN's twelve digits, read
// as one number h: digit k (2..13) weighted k.
func upnCheck(h string) string {
	var terms []string
	for k := 2; k <= 13; k++ {
		p := int64(1)
		for i := 0; i < 13-k; i++ {
			p *= 10
		}
		switch {
		case k == 2:
			terms = append(terms, fmt.Sprintf("%s // %d * %d", h, p, k))
		case p == 1:
			terms = append(terms, fmt.Sprintf("%s %% 10 * %d", h, k))
		default:
			terms = append(terms, fmt.Sprintf("%s // %d %% 10 * %d", h, p, k))
		}
	}
	return "(" + strings.Join(terms, " + ") + ")"
}

// exprs builds the expressions that parse and check f. c is the CSV column,
// r the raw text expression (edwh_blank(c)), h and g the helper columns and
// p the parsed column. The general paths are given c rather than r when
// they trim it themselves: the statement is bound and optimised for every
// file, and a small file's load is mostly that.
func exprs(f *Field, c, r, h, g, p string) fieldSQL {
	u := "upper(trim(" + c + "))"
	std := func(bad string) string {
		return fmt.Sprintf("CASE WHEN %s IS NOT NULL THEN NULL WHEN %s IS NULL THEN %s ELSE %s END", p, r, missing(f), bad)
	}
	// fastOr is the fast path for a value that is exactly one of vals
	// (itself), else the general path.
	fastOr := func(vals []string, general string) string {
		if len(vals) == 0 {
			return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE %s END", c, general)
		}
		return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL WHEN %s THEN %s ELSE %s END", c, inList(c, vals), c, general)
	}
	// globOr parses a value matching a GLOB pattern with cast, else
	// with the general path.
	globOr := func(pattern, cast, general string) string {
		return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL WHEN %s GLOB '%s' THEN %s ELSE %s END", c, c, pattern, cast, general)
	}
	switch f.Kind {
	case Text:
		e := fieldSQL{parse: blankExpr(c)}
		if f.Required {
			e.problem = fmt.Sprintf("CASE WHEN %s IS NULL THEN 'missing value' END", p)
		}
		return e
	case Code:
		// The helper is the value trimmed and upper-cased, for a value
		// that is not exactly a code: computed once for every test.
		exact := exactCodes(f)
		helper := fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE %s END", c, u)
		parse := func(keep bool) string { return fastOr(exact, codeExpr(f, h, keep)) }
		unknown := fmt.Sprintf("%s IS NOT NULL AND NOT %s", p, inList(p, f.Codes))
		if len(exact) > 0 {
			// The helper is NULL for a value that is exactly a code, so
			// the list is searched once a row, not again by the parse
			// and the check: list_contains over a twenty-code list took
			// 0.17 CPU seconds a column on a national census, and the
			// census spent 0.6 CPU seconds less without the repeats. A
			// value that was exactly a code is one.
			helper = fmt.Sprintf("CASE WHEN %s IS NULL OR %s THEN NULL ELSE %s END", c, inList(c, exact), u)
			parse = func(keep bool) string {
				return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL WHEN %s IS NULL THEN %s ELSE %s END", c, h, c, codeExpr(f, h, keep))
			}
			unknown = fmt.Sprintf("%s IS NOT NULL AND %s IS NOT NULL AND NOT %s", p, h, inList(p, f.Codes))
		}
		if f.KeepUnknown {
			return fieldSQL{
				helper:  helper,
				parse:   parse(true),
				problem: fmt.Sprintf("CASE WHEN %s THEN 'unknown code, kept and flagged' END", unknown),
			}
		}
		return fieldSQL{
			helper:  helper,
			parse:   parse(false),
			problem: std(quoteLit("not a valid code (expected one of " + strings.Join(f.Codes, ", ") + ")")),
		}
	case Int:
		cond := fmt.Sprintf("%s = floor(%s) AND abs(%s) < 9e15", h, h, h)
		if f.hasRange() {
			cond += fmt.Sprintf(" AND %s BETWEEN %s AND %s", h, fmtNum(f.Min), fmtNum(f.Max))
		}
		return fieldSQL{
			helper: numHelper(c, false),
			parse:  fmt.Sprintf("CASE WHEN %s THEN CAST(%s AS BIGINT) END", cond, h),
			problem: std(fmt.Sprintf("CASE WHEN edwh_int(%s) IS NULL THEN 'not a whole number' ELSE %s END", c,
				quoteLit(rangeReason(f, "out of range: expected")))),
		}
	case Number:
		return fieldSQL{
			helper: numHelper(c, true),
			parse:  rangeCheck(f, h),
			problem: std(fmt.Sprintf("CASE WHEN %s IS NULL THEN 'not a number' ELSE %s END", h,
				quoteLit(rangeReason(f, "out of range: expected")))),
		}
	case Date:
		// dd/mm/yyyy and yyyy-mm-dd with a year from 1900 to 2099: one
		// cheap parse, always within edwh_date's years.
		dmy := fmt.Sprintf("%s GLOB '[0-9][0-9]/[0-9][0-9]/19[0-9][0-9]' OR %s GLOB '[0-9][0-9]/[0-9][0-9]/20[0-9][0-9]'", c, c)
		iso := fmt.Sprintf("%s GLOB '19[0-9][0-9]-[0-9][0-9]-[0-9][0-9]' OR %s GLOB '20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]'", c, c)
		return fieldSQL{
			parse: fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE coalesce(CASE WHEN %s THEN CAST(try_strptime(%s, '%%d/%%m/%%Y') AS DATE) WHEN %s THEN TRY_CAST(%s AS DATE) END, edwh_date(%s)) END",
				c, dmy, c, iso, c, c),
			problem: std("'not a date: expected YYYY-MM-DD or DD/MM/YYYY'"),
		}
	case Bool:
		// edwh_bool, with the value trimmed and upper-cased once.
		var b strings.Builder
		for _, v := range boolValues {
			fmt.Fprintf(&b, " WHEN %s = %s THEN %v", h, quoteLit(v.text), v.value)
		}
		return fieldSQL{
			helper:  fmt.Sprintf("CASE WHEN %s IS NULL OR %s THEN NULL ELSE %s END", c, inList(c, []string{"1", "0", "Y", "N"}), u),
			parse:   fmt.Sprintf("CASE %s WHEN '1' THEN true WHEN '0' THEN false WHEN 'Y' THEN true WHEN 'N' THEN false ELSE CASE%s END END", c, b.String()),
			problem: std("'not a yes/no value: expected 1/0, Y/N or true/false'"),
		}
	case AcademicYear:
		return fieldSQL{
			helper: fmt.Sprintf("CASE WHEN %s GLOB '%s' OR %s GLOB '%s' THEN CAST(substr(%s, 1, 4) AS INTEGER) * 100 + CAST(substr(%s, 6, 2) AS INTEGER) WHEN %s GLOB '%s' THEN CAST(%s AS INTEGER) END",
				c, digitGlob("[0-9][0-9][0-9][0-9]/", 2), c, digitGlob("[0-9][0-9][0-9][0-9]-", 2), c, c, c, digitGlob("", 6), c),
			parse: fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL WHEN %s // 100 BETWEEN 1900 AND 2099 AND %s %% 100 = (%s // 100 + 1) %% 100 THEN %s ELSE edwh_academic_year(%s) END",
				c, h, h, h, h, c),
			problem: std("'not an academic year: expected 2018/19, 2018-19 or 201819'"),
		}
	case UPN:
		// A permanent UPN in canonical form: its twelve digits as one
		// number (the helper), the check letter compared as a character
		// code. Anything else (temporary UPNs, spaces, lower case, errors)
		// takes the general path, whose verdict is the pre column: ''
		// for the fast path, else NULL (valid, or blank) or the problem.
		return fieldSQL{
			// substr, not c[2:13]: a string slice took 0.61 CPU seconds on
			// a national census's UPNs, and substr with the cast 0.38.
			helper: fmt.Sprintf("CASE WHEN %s GLOB '%s' THEN TRY_CAST(substr(%s, 2, 12) AS BIGINT) END", c, digitGlob("[A-HJ-NP-RT-Z]", 12), c),
			pre: fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL WHEN %s IS NOT NULL AND ascii(%s) = %s[%s %% 23 + 1] THEN '' ELSE edwh_upn_problem(edwh_upn(%s)) END",
				c, h, c, upnLetters, upnCheck(h), c),
			parse:   fmt.Sprintf("CASE WHEN %s = '' THEN %s WHEN %s IS NULL AND %s IS NOT NULL THEN edwh_upn(%s) END", g, c, g, c, c),
			problem: std(g),
		}
	case LAESTAB:
		return fieldSQL{
			parse:   globOr(digitGlob("[2-9]", 6), "CAST("+c+" AS INTEGER)", "edwh_laestab("+c+")"),
			problem: std("'not a LAESTAB: expected 7 digits, e.g. 8512001 or 851/2001'"),
		}
	case URN:
		return fieldSQL{
			parse:   globOr(digitGlob("[1-9]", 5), "CAST("+c+" AS INTEGER)", "edwh_urn("+c+")"),
			problem: std("'not a URN: expected 6 digits'"),
		}
	case LACode:
		return fieldSQL{
			parse:   globOr(digitGlob("[2-9]", 2), "CAST("+c+" AS INTEGER)", "edwh_la("+c+")"),
			problem: std("'not an LA code: expected 3 digits'"),
		}
	case Estab:
		return fieldSQL{
			parse:   globOr(digitGlob("", 4), "CAST("+c+" AS INTEGER)", "edwh_estab("+c+")"),
			problem: std("'not an establishment number: expected 4 digits'"),
		}
	case ScoreOrCode:
		codeCol := quoteIdent(f.Name + "_code")
		exact := exactCodes(&Field{Codes: f.Codes})
		numeric := false
		for _, k := range f.Codes {
			numeric = numeric || mayParseAsNumber(k)
		}
		// The pre column is the value trimmed and upper-cased, where it
		// may be a code: not exactly one, and, unless a code could read
		// as a number, not a number.
		skip := []string{c + " IS NULL"}
		if len(exact) > 0 {
			skip = append(skip, inList(c, exact))
		}
		if !numeric {
			skip = append(skip, h+" IS NOT NULL")
		}
		return fieldSQL{
			helper: numHelper(c, true),
			pre:    fmt.Sprintf("CASE WHEN %s THEN NULL ELSE %s END", strings.Join(skip, " OR "), u),
			parse:  rangeCheck(f, h),
			extra:  []string{fastOr(exact, codeExpr(&Field{Codes: f.Codes}, g, false)) + " AS " + codeCol},
			problem: fmt.Sprintf("CASE WHEN %s IS NOT NULL OR %s IS NOT NULL THEN NULL WHEN %s IS NULL THEN %s ELSE %s END",
				p, codeCol, r, missing(f), quoteLit(rangeReason(f, "not a score")+" or a code ("+strings.Join(f.Codes, ", ")+")")),
		}
	case Measure:
		statusCol := quoteIdent(f.Name + "_status")
		// A marker that reads as a number ("9999") is a marker only as
		// written; every other marker never reads as a number (see
		// TestMarkersAreNotNumbers).
		var numMarkers []string
		for _, m := range Markers {
			if strings.Trim(m, "0123456789") == "" {
				numMarkers = append(numMarkers, fmt.Sprintf("WHEN %s = %s AND trim(%s) = %s THEN %s", h, m, c, quoteLit(m), quoteLit(m)))
			}
		}
		numIsMarker := "CASE " + strings.Join(numMarkers, " ") + " END"
		if len(numMarkers) == 0 {
			numIsMarker = "CAST(NULL AS VARCHAR)"
		}
		// The pre column is the value trimmed and upper-cased, for a
		// value that is neither a number nor a marker as written.
		status := fmt.Sprintf("CASE WHEN %s IS NULL THEN 'blank' WHEN %s IS NOT NULL THEN %s WHEN %s THEN %s WHEN %s = '' THEN 'blank' WHEN %s THEN %s END",
			c, h, numIsMarker, inList(c, Markers), c, g, inList(g, Markers), g)
		return fieldSQL{
			helper: numHelper(c, true),
			pre:    fmt.Sprintf("CASE WHEN %s IS NULL OR %s IS NOT NULL OR %s THEN NULL ELSE %s END", c, h, inList(c, Markers), u),
			parse:  fmt.Sprintf("CASE WHEN %s IS NULL OR (%s) IS NOT NULL THEN NULL ELSE %s END", h, numIsMarker, rangeCheck(f, h)),
			extra:  []string{status + " AS " + statusCol},
			problem: fmt.Sprintf("CASE WHEN %s IS NULL AND %s IS NULL THEN %s END", statusCol, p,
				quoteLit(rangeReason(f, "not a number")+" or a DfE marker ("+strings.Join(Markers, ", ")+")")),
		}
	default:
		panic(fmt.Sprintf("connectors: field %s has unknown kind %v", f.Name, f.Kind))
	}
}

func missing(f *Field) string {
	if f.Required {
		return "'missing value'"
	}
	return "NULL"
}

// action is what a problem in f does to its row.
func action(f *Field) string {
	switch {
	case f.Required:
		return "row"
	case f.Kind == Code && f.KeepUnknown:
		return "flag"
	default:
		return "value"
	}
}

// storedColumns lists the raw table's data columns and types for a source,
// in order, including the _code companions of ScoreOrCode fields.
func storedColumns(src *Source) [][2]string {
	var cols [][2]string
	for _, f := range src.AllFields() {
		if src.SchoolKey && (f.Name == "la" || f.Name == "estab") {
			continue // folded into laestab
		}
		cols = append(cols, [2]string{f.Name, f.Kind.sqlType()})
		switch f.Kind {
		case ScoreOrCode:
			cols = append(cols, [2]string{f.Name + "_code", "VARCHAR"})
		case Measure:
			cols = append(cols, [2]string{f.Name + "_status", "VARCHAR"})
		}
	}
	if src.YearFromPath {
		cols = append(cols, [2]string{"time_period", "INTEGER"})
	}
	return cols
}

// problemsType is the type of the raw tables' _problems column: the
// problems found in a row's values as it loaded (field, its text, masked for
// identifying fields, why, and what it did: 'value' nulled, 'flag' kept), or
// NULL for a clean row. A quarantined row is never in a raw view (Source.Table).
const problemsType = "STRUCT(field VARCHAR, value VARCHAR, reason VARCHAR, action VARCHAR)[]"

const problemsComment = "problems found in this row's values when it loaded (set to NULL, or kept and flagged), as in ops.quarantine; NULL when there were none"

// tableDDL creates or widens the raw tables of a source, given what the
// catalog has of them (see missingDDL): its StoreTable, the view Table
// over it, and for a Wide source the wide table, whose data columns are
// added as files bring them. A new store table is created whole, in one
// statement; an older one gets only the columns it lacks. (Adding columns
// one by one makes a new catalog version of the table per column: 810
// statements for the sources of a new deployment, 0.3 s even in one
// transaction.) The view is made again only when the store's columns
// change. A field with a Doc gets a comment on the view's column naming
// the header it comes from, so that a staged measure's DfE field code can
// be looked up in the database itself (duckdb_columns(), or the column
// list of any client).
//
// A working database from before the store tables has Table as a table:
// its rows move to the store table, columns and all, and a view takes its
// place, in the transaction of the run's other DDL.
func tableDDL(src *Source, cat rawCatalog) []string {
	store := src.StoreTable()
	storeSchema, _, _ := strings.Cut(store, ".")
	var stmts []string
	have := cat.store
	legacy := len(cat.store) == 0 && len(cat.view) > 0
	if legacy {
		stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+storeSchema,
			fmt.Sprintf("CREATE TABLE %s AS FROM %s", store, src.Table),
			"DROP TABLE "+src.Table)
		have = cat.view
	}
	want := append(storedColumns(src), [2]string{"_problems", problemsType}, [2]string{"_quarantined", "BOOLEAN"})
	if len(have) == 0 {
		cols := []string{"_load_id INTEGER NOT NULL", "_file VARCHAR NOT NULL", "_line BIGINT NOT NULL"}
		have = []string{"_load_id", "_file", "_line"}
		for _, c := range want {
			cols = append(cols, quoteIdent(c[0])+" "+c[1])
			have = append(have, c[0])
		}
		stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+storeSchema,
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", store, strings.Join(cols, ", ")),
			fmt.Sprintf("COMMENT ON TABLE %s IS %s", store, quoteLit(fmt.Sprintf(
				"The rows behind the view %s: every row loaded, and until the run's ingest has deleted them the rows a large load quarantined (_quarantined). Read %s.",
				src.Table, src.Table))))
	} else {
		got := map[string]bool{}
		for _, c := range have {
			got[c] = true
		}
		have = append([]string(nil), have...)
		for _, c := range want {
			if !got[c[0]] {
				stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", store, quoteIdent(c[0]), c[1]))
				have = append(have, c[0])
			}
		}
	}

	// The view: every column of the store but the flag, in the store's
	// order, so that a column an older version of the source had stays
	// readable.
	var viewCols []string
	for _, c := range have {
		if c != "_quarantined" {
			viewCols = append(viewCols, c)
		}
	}
	remade := legacy || !slices.Equal(viewCols, cat.view)
	if remade {
		quoted := make([]string, len(viewCols))
		for i, c := range viewCols {
			quoted[i] = quoteIdent(c)
		}
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM %s WHERE _quarantined IS NULL",
			src.Table, strings.Join(quoted, ", "), store))
	}
	comments := columnComments(src)
	commented := make([]string, 0, len(comments))
	for col, c := range comments {
		if remade || cat.comments[col] != c {
			commented = append(commented, col)
		}
	}
	sort.Strings(commented)
	for _, col := range commented {
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS %s", src.Table, quoteIdent(col), quoteLit(comments[col])))
	}
	if src.Wide && !cat.wide {
		stmts = append(stmts, fmt.Sprintf(
			"CREATE TABLE IF NOT EXISTS %s (_load_id INTEGER NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL)", src.WideTable()))
	}
	return stmts
}

// rawCatalog is what the catalog has of a source's raw tables.
type rawCatalog struct {
	store    []string          // the columns of StoreTable, in order
	view     []string          // the columns of Table, in order
	comments map[string]string // the comments on Table's columns
	wide     bool              // WideTable exists
}

// columnComments are the comments tableDDL sets on a source's raw table.
func columnComments(src *Source) map[string]string {
	m := map[string]string{"_problems": problemsComment}
	for _, f := range src.AllFields() {
		if f.Doc == "" {
			continue
		}
		m[f.Name] = fieldComment(&f)
		if f.Kind == Measure {
			m[f.Name+"_status"] = f.Header + ": the marker DfE published instead of a figure (SUPP, NE, NA, c, x, ...), or 'blank'"
		}
	}
	return m
}

// missingDDL is the DDL the raw tables of src still need to have every
// column and comment tableDDL gives them, from one look at the catalog:
// none, normally, so that loading a file runs no DDL at all.
func missingDDL(ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, src *Source) ([]string, error) {
	schema, table, _ := strings.Cut(src.Table, ".")
	_, wide, _ := strings.Cut(src.WideTable(), ".")
	storeSchema, _, _ := strings.Cut(src.StoreTable(), ".")
	rows, err := db.QueryContext(ctx, `SELECT schema_name = $1 AND table_name = $2, schema_name = $1 AND table_name = $3,
			column_name, coalesce(comment, '')
		FROM duckdb_columns()
		WHERE database_name = current_database() AND (schema_name = $1 AND table_name IN ($2, $3) OR schema_name = $4 AND table_name = $2)
		ORDER BY schema_name, table_name, column_index`, schema, table, wide, storeSchema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cat := rawCatalog{comments: map[string]string{}}
	for rows.Next() {
		var ofTable, isWide bool
		var c, comment string
		if err := rows.Scan(&ofTable, &isWide, &c, &comment); err != nil {
			return nil, err
		}
		switch {
		case ofTable: // the view, or an older deployment's raw table
			cat.view = append(cat.view, c)
			cat.comments[c] = comment
		case isWide:
			cat.wide = true
		default:
			cat.store = append(cat.store, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return tableDDL(src, cat), nil
}

// fieldComment is a field's column comment: the header it is read from and
// what it holds, e.g. "PTRWM_EXP: % of pupils reaching the expected standard
// in reading, writing and maths".
func fieldComment(f *Field) string {
	h := f.Header
	if f.Occurrence > 0 {
		h = fmt.Sprintf("%s (occurrence %d)", h, f.Occurrence)
	}
	return h + ": " + f.Doc
}

// EnsureTable creates (or widens) the raw tables of src, so that models can
// read Table before any file of that source has arrived. It also deletes
// any rows a load quarantined that are still in the store table, left by
// a run killed before it deleted them.
func EnsureTable(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, src *Source) error {
	ddl, err := missingDDL(ctx, db, src)
	if err != nil {
		return err
	}
	for _, s := range ddl {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("creating %s: %w", src.Table, err)
		}
	}
	return DeleteQuarantined(ctx, db, src)
}

// DeleteQuarantined deletes from src's store table the rows that loads
// quarantined. A load of a row group or more leaves them there, flagged
// _quarantined and hidden by the raw view (Result.Flagged), because
// deleting them in its own transaction would make DuckDB write the file
// twice (see loadRows); the pipeline calls this once a source's files
// have loaded, and at the start of every run.
func DeleteQuarantined(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, src *Source) error {
	if _, err := db.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE _quarantined", src.StoreTable())); err != nil {
		return fmt.Errorf("deleting the quarantined rows from %s: %w", src.StoreTable(), err)
	}
	return nil
}
