package connectors

import (
	"context"
	"database/sql"
	"fmt"
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

// fieldSQL holds the expressions that parse and check one field. In them, R
// is the raw (trimmed, blank-as-NULL) text column and P the parsed column.
type fieldSQL struct {
	parse   string // parsed value from R
	problem string // reason from R and P, or NULL
	extra   []string
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

// mapExpr applies Field.Map to upper(R).
func mapExpr(f *Field, r string) string {
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

// exprs builds the parse and problem expressions for f.
func exprs(f *Field, r, p string) fieldSQL {
	var parse, bad string // bad: the reason when R is present but P is NULL
	switch f.Kind {
	case Text:
		parse, bad = r, "NULL"
	case Code:
		m := mapExpr(f, r)
		if f.KeepUnknown {
			parse = m
			return fieldSQL{parse: parse, problem: fmt.Sprintf(
				"CASE WHEN %s IS NOT NULL AND NOT %s THEN 'unknown code, kept and flagged' END",
				r, inList(p, f.Codes))}
		}
		parse = fmt.Sprintf("CASE WHEN %s THEN %s END", inList(m, f.Codes), m)
		bad = quoteLit("not a valid code (expected one of " + strings.Join(f.Codes, ", ") + ")")
	case Int:
		parse = rangeCheck(f, "edwh_int("+r+")")
		bad = fmt.Sprintf("CASE WHEN edwh_int(%s) IS NULL THEN 'not a whole number' ELSE %s END", r,
			quoteLit(rangeReason(f, "out of range: expected")))
	case Number:
		parse = rangeCheck(f, "edwh_num("+r+")")
		bad = fmt.Sprintf("CASE WHEN edwh_num(%s) IS NULL THEN 'not a number' ELSE %s END", r,
			quoteLit(rangeReason(f, "out of range: expected")))
	case Date:
		parse = "edwh_date(" + r + ")"
		bad = "'not a date: expected YYYY-MM-DD or DD/MM/YYYY'"
	case Bool:
		parse = "edwh_bool(" + r + ")"
		bad = "'not a yes/no value: expected 1/0, Y/N or true/false'"
	case AcademicYear:
		parse = "edwh_academic_year(" + r + ")"
		bad = "'not an academic year: expected 2018/19, 2018-19 or 201819'"
	case UPN:
		parse = fmt.Sprintf("CASE WHEN edwh_upn_problem(edwh_upn(%s)) IS NULL THEN edwh_upn(%s) END", r, r)
		bad = fmt.Sprintf("edwh_upn_problem(edwh_upn(%s))", r)
	case LAESTAB:
		parse = "edwh_laestab(" + r + ")"
		bad = "'not a LAESTAB: expected 7 digits, e.g. 8512001 or 851/2001'"
	case URN:
		parse = "edwh_urn(" + r + ")"
		bad = "'not a URN: expected 6 digits'"
	case LACode:
		parse = "edwh_la(" + r + ")"
		bad = "'not an LA code: expected 3 digits'"
	case Estab:
		parse = "edwh_estab(" + r + ")"
		bad = "'not an establishment number: expected 4 digits'"
	case ScoreOrCode:
		parse = rangeCheck(f, "edwh_num("+r+")")
		code := fmt.Sprintf("CASE WHEN %s THEN upper(%s) END", inList("upper("+r+")", f.Codes), r)
		return fieldSQL{
			parse: parse,
			extra: []string{code + " AS " + quoteIdent(f.Name+"_code")},
			problem: fmt.Sprintf("CASE WHEN %s IS NULL THEN %s WHEN %s IS NULL AND %s IS NULL THEN %s END",
				r, missing(f), p, code, quoteLit(rangeReason(f, "not a score")+" or a code ("+strings.Join(f.Codes, ", ")+")")),
		}
	case Measure:
		marker := fmt.Sprintf("CASE WHEN %s IS NULL THEN 'blank' WHEN %s THEN upper(%s) END", r, inList("upper("+r+")", Markers), r)
		parse = fmt.Sprintf("CASE WHEN %s IS NULL THEN %s END", marker, rangeCheck(f, "edwh_num("+r+")"))
		return fieldSQL{
			parse: parse,
			extra: []string{marker + " AS " + quoteIdent(f.Name+"_status")},
			problem: fmt.Sprintf("CASE WHEN %s IS NULL AND %s IS NULL THEN %s END", marker, p,
				quoteLit(rangeReason(f, "not a number")+" or a DfE marker ("+strings.Join(Markers, ", ")+")")),
		}
	default:
		panic(fmt.Sprintf("connectors: field %s has unknown kind %v", f.Name, f.Kind))
	}
	return fieldSQL{parse: parse, problem: fmt.Sprintf(
		"CASE WHEN %s IS NULL THEN %s WHEN %s IS NULL THEN %s END", r, missing(f), p, bad)}
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

// tableDDL creates or widens the raw table of a source (and the wide table
// of a Wide source, whose data columns are added as files bring them). A
// field with a Doc gets a column comment naming the header it comes from,
// so that a staged measure's DfE field code can be looked up in the
// database itself (duckdb_columns(), or the column list of any client).
func tableDDL(src *Source) []string {
	stmts := []string{fmt.Sprintf(
		"CREATE TABLE IF NOT EXISTS %s (_load_id INTEGER NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL)", src.Table)}
	for _, c := range storedColumns(src) {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", src.Table, quoteIdent(c[0]), c[1]))
	}
	for _, f := range src.AllFields() {
		if f.Doc == "" {
			continue
		}
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS %s", src.Table, quoteIdent(f.Name), quoteLit(fieldComment(&f))))
		switch f.Kind {
		case Measure:
			stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS %s", src.Table, quoteIdent(f.Name+"_status"),
				quoteLit(f.Header+": the marker DfE published instead of a figure (SUPP, NE, NA, c, x, ...), or 'blank'")))
		}
	}
	if src.Wide {
		stmts = append(stmts, fmt.Sprintf(
			"CREATE TABLE IF NOT EXISTS %s (_load_id INTEGER NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL)", src.WideTable()))
	}
	return stmts
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

// EnsureTable creates (or widens) the raw table of src, so that models can
// read it before any file of that source has arrived.
func EnsureTable(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, src *Source) error {
	for _, s := range tableDDL(src) {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("creating %s: %w", src.Table, err)
		}
	}
	return nil
}
