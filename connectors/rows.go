package connectors

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// Temporary tables used while one file loads; dropped before commit.
const (
	tmpValid   = "_edwh_valid"
	tmpRejects = "_edwh_rejects"
	tmpScans   = "_edwh_reject_scans"
	tmpSegs    = "_edwh_segments"
)

// loadRows parses, validates and loads one file inside a transaction.
func (l *Loader) loadRows(ctx context.Context, conn *sql.Conn, runID int64, res *Result, in *parseInput, cfgHash string) error {
	src := l.Source
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	for _, stmt := range tableDDL(src) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("creating %s: %w", src.Table, err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT nextval('ops.load_seq')`).Scan(&res.LoadID); err != nil {
		return err
	}

	// 1. Parse every record as text and validate it, in one statement.
	q, fields := l.validationSQL(in)
	if _, err := tx.ExecContext(ctx, q, in.Path); err != nil {
		return fmt.Errorf("reading with DuckDB: %w", err)
	}

	// 2. Records the CSV reader itself rejected (wrong number of values,
	// broken quoting, over-long lines).
	rej, err := l.rejects(ctx, tx, in)
	if err != nil {
		return err
	}

	// 3. Map each parsed record back to its line in the file.
	lineExpr, join, err := l.lineMapping(ctx, tx, in, rej)
	if err != nil {
		return err
	}

	// 4. Good rows into the raw table.
	bad := badCondition(src, fields)
	var cols, vals []string
	for _, c := range storedColumns(src) {
		cols = append(cols, quoteIdent(c[0]))
		switch {
		case src.SchoolKey && c[0] == "laestab":
			vals = append(vals, schoolKeyExpr)
		case src.YearFromPath && c[0] == "time_period":
			vals = append(vals, "v._time_period")
		default:
			vals = append(vals, "v."+quoteIdent(c[0]))
		}
	}
	ins := fmt.Sprintf(`INSERT INTO %s (_load_id, _file, _line, %s) SELECT ?, ?, %s, %s FROM %s v %s WHERE NOT (%s)`,
		src.Table, strings.Join(cols, ", "), lineExpr, strings.Join(vals, ", "), tmpValid, join, bad)
	r, err := tx.ExecContext(ctx, ins, res.LoadID, res.File.Rel)
	if err != nil {
		return fmt.Errorf("inserting rows: %w", err)
	}
	res.RowsLoaded, _ = r.RowsAffected()

	// 4b. Every column of the file, as text, for wide sources; and, for
	// every source, the file's columns, so that changes between files of
	// the same kind can be reported.
	if src.Wide {
		if err := l.insertWide(ctx, tx, res, in, lineExpr, join, bad); err != nil {
			return err
		}
	}
	if err := recordColumns(ctx, tx, src, res.LoadID, in.Mapping); err != nil {
		return err
	}
	if src.Wide {
		sc, err := schemaChange(ctx, tx, src, res)
		if err != nil {
			return err
		}
		if sc != nil {
			res.SchemaChange = sc
			res.Notes = append(res.Notes, sc.String())
		}
	}

	// 5. Problems into quarantine: one row per problem, so a row with two
	// bad values shows both.
	headerOf := func(field string) string {
		if i := in.Mapping.Index(field); i >= 0 {
			return strings.TrimSpace(in.Mapping.Headers[i])
		}
		return field
	}
	quarantine := func(column, valueExpr, reasonExpr, action, where string) (int64, error) {
		q := fmt.Sprintf(`INSERT INTO ops.quarantine (run_id, load_id, source, file, line, "column", value, reason, action)
			SELECT ?, ?, ?, ?, %s, ?, %s, %s, ? FROM %s v %s WHERE %s`,
			lineExpr, valueExpr, reasonExpr, tmpValid, join, where)
		r, err := tx.ExecContext(ctx, q, runID, res.LoadID, src.Name, res.File.Rel, column, action)
		if err != nil {
			return 0, fmt.Errorf("recording quarantine: %w", err)
		}
		return r.RowsAffected()
	}
	for _, f := range fields {
		value := "left(v." + quoteIdent(f.Name+"__r") + ", 100)"
		if f.Identifying {
			value = "edwh_mask(v." + quoteIdent(f.Name+"__r") + ")"
		}
		p := "v." + quoteIdent(f.Name+"__p")
		act := action(f)
		// Every problem of a quarantined row is recorded, so that one fix
		// to the source mends them all.
		if _, err := quarantine(headerOf(f.Name), value, p, act, p+" IS NOT NULL"); err != nil {
			return err
		}
		if act != "row" {
			var n int64
			if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s v WHERE %s IS NOT NULL AND NOT (%s)`,
				tmpValid, p, bad)).Scan(&n); err != nil {
				return err
			}
			res.ValuesNulled += n
		}
	}
	for i, rule := range rules(src) {
		col := "v." + quoteIdent(fmt.Sprintf("_rule%d", i))
		if _, err := quarantine(headerOf(rule.Column), "NULL", col, "row", col+" IS NOT NULL"); err != nil {
			return err
		}
	}
	var badRows int64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s v WHERE %s`, tmpValid, bad)).Scan(&badRows); err != nil {
		return err
	}
	for _, r := range rej {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ops.quarantine (run_id, load_id, source, file, line, "column", value, reason, action)
			VALUES (?, ?, ?, ?, ?, ?, NULL, ?, 'row')`, runID, res.LoadID, src.Name, res.File.Rel, r.line, r.column, r.reason); err != nil {
			return err
		}
	}
	res.RowsQuarantined = badRows + int64(len(rej))
	res.RowsRead = res.RowsLoaded + res.RowsQuarantined
	if in.Records != res.RowsRead {
		res.Notes = append(res.Notes, fmt.Sprintf("the line scanner counted %d records but the CSV reader returned %d; line numbers may be approximate", in.Records, res.RowsRead))
	}

	// 6. Which earlier extracts does this one supersede?
	if len(src.Supersede) > 0 && res.RowsLoaded > 0 {
		if res.Supersedes, err = supersedes(ctx, tx, src, res.LoadID); err != nil {
			return err
		}
	}

	// 7. The file's ledger row, in the same transaction as its rows.
	msg := loadMessage(src, res)
	sup := make([]string, len(res.Supersedes))
	for i, id := range res.Supersedes {
		sup[i] = fmt.Sprint(id)
	}
	res.Status = StatusLoaded
	if _, err := tx.ExecContext(ctx, `INSERT INTO ops.loads (load_id, run_id, source, path, sha256, size, format,
		header_line, rows_read, rows_loaded, rows_quarantined, values_nulled, blank_rows, supersedes, time_period,
		status, message, config_hash, loaded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(string_split(nullif(?, ''), ',') AS INTEGER[]), nullif(?, 0),
		?, ?, ?, now())`,
		res.LoadID, runID, src.Name, res.File.Rel, res.SHA256, res.File.Size, res.Format, res.HeaderLine,
		res.RowsRead, res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, res.Blank, strings.Join(sup, ","), res.TimePeriod,
		res.Status, msg, cfgHash); err != nil {
		return fmt.Errorf("recording load: %w", err)
	}
	for _, t := range []string{tmpValid, tmpRejects, tmpScans, tmpSegs} {
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// schoolKeyExpr is the LAESTAB stored for a row: as given, or built from LA
// and ESTAB.
const schoolKeyExpr = `coalesce(v."laestab", v."la" * 10000 + v."estab")`

// timePeriodExpr is the time_period stored for a row, over its parsed
// columns: for a YearFromPath source, the row's YearField where it has one,
// else year (from config or the path; 0 for none); NULL for other sources.
func timePeriodExpr(src *Source, year int) string {
	y := "NULL"
	if src.YearFromPath && year != 0 {
		y = fmt.Sprint(year)
	}
	if src.YearField == "" {
		return "CAST(" + y + " AS INTEGER)"
	}
	return fmt.Sprintf("coalesce(%s, %s)", quoteIdent(src.YearField), y)
}

// rules returns the source's row rules plus the school key rule, and for a
// source whose files may carry the year, the rule that a row needs one.
func rules(src *Source) []RowRule {
	rs := append([]RowRule(nil), src.RowRules...)
	if src.YearFromPath && src.YearField != "" {
		rs = append(rs, RowRule{
			Bad:    "_time_period IS NULL",
			Column: src.YearField,
			Reason: "no academic year: the year column is blank or not a year (2018/19, 2018-19 or 201819), and the file's folder or name does not give one",
		})
	}
	if src.SchoolKey {
		rs = append(rs, RowRule{
			Bad:    `coalesce("laestab", "la" * 10000 + "estab") IS NULL AND "urn" IS NULL`,
			Column: "laestab",
			Reason: "no valid school key: needs a 7-digit LAESTAB, a 3-digit LA with a 4-digit ESTAB, or a 6-digit URN",
		})
	}
	return rs
}

// validationSQL builds the statement that reads the file with DuckDB and
// computes, for every record, each field's raw text (f__r), parsed value (f),
// problem (f__p) and each row rule's verdict (_ruleN). The file path is its
// one parameter. It returns, in order, the fields the file has (a field it
// lacks is NULL and can have no problem).
func (l *Loader) validationSQL(in *parseInput) (string, []*Field) {
	src := l.Source
	all := src.AllFields()
	n := len(in.Mapping.Columns)
	var colDefs []string
	if in.LineColumn {
		colDefs = append(colDefs, "'xl_line': 'VARCHAR'")
	}
	for i := 0; i < n; i++ {
		colDefs = append(colDefs, fmt.Sprintf("'c%d': 'VARCHAR'", i))
	}
	var raws, parses, problems []string
	fields := make([]*Field, 0, len(all))
	for i := range all {
		f := &all[i]
		r := quoteIdent(f.Name + "__r")
		j := in.Mapping.Index(f.Name)
		if j < 0 && !f.Required {
			// Not in this file at all: NULL, with no marker (so "not
			// published in this file" differs from a blank cell) and no
			// raw text or problem to carry. Public files declare dozens
			// of fields a given year's file lacks; skipping them keeps
			// the statement small.
			parses = append(parses, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Kind.sqlType(), quoteIdent(f.Name)))
			switch f.Kind {
			case ScoreOrCode:
				parses = append(parses, "CAST(NULL AS VARCHAR) AS "+quoteIdent(f.Name+"_code"))
			case Measure:
				parses = append(parses, "CAST(NULL AS VARCHAR) AS "+quoteIdent(f.Name+"_status"))
			}
			continue
		}
		fields = append(fields, f)
		if j >= 0 {
			raws = append(raws, fmt.Sprintf("edwh_blank(c%d) AS %s", j, r))
		} else {
			raws = append(raws, "CAST(NULL AS VARCHAR) AS "+r)
		}
		e := exprs(f, r, quoteIdent(f.Name))
		parses = append(parses, e.parse+" AS "+quoteIdent(f.Name))
		parses = append(parses, e.extra...)
		problems = append(problems, e.problem+" AS "+quoteIdent(f.Name+"__p"))
	}
	for i, rule := range rules(src) {
		problems = append(problems, fmt.Sprintf("CASE WHEN %s THEN %s END AS %s", rule.Bad, quoteLit(rule.Reason), quoteIdent(fmt.Sprintf("_rule%d", i))))
	}
	lineCol := ""
	if in.LineColumn {
		lineCol = "CAST(xl_line AS BIGINT) AS _xl_line, "
	}
	opts := fmt.Sprintf(`columns = {%s}, header = false, skip = %d, delim = %s, quote = '"', escape = '"',
		auto_detect = false, store_rejects = true, rejects_table = '%s', rejects_scan = '%s', max_line_size = %d`,
		strings.Join(colDefs, ", "), in.Skip, quoteLit(string(in.Delim)), tmpRejects, tmpScans, l.maxLine())
	if src.PadShortRows {
		// DuckDB pads only with its single-threaded reader when a quoted
		// value may span lines.
		opts += ", null_padding = true, parallel = false"
	}
	if src.Wide {
		// Every column as read, untrimmed, under a positional alias; the
		// wide insert names them.
		for i, name := range in.Mapping.Names {
			if name != "" {
				raws = append(raws, fmt.Sprintf("c%d AS %s", i, quoteIdent(fmt.Sprintf("_w%d", i))))
			}
		}
	}
	// _time_period is the year a row is stored under, so that row rules
	// can group a file's rows by year.
	q := fmt.Sprintf(`CREATE TEMP TABLE %s AS
WITH s AS (SELECT ordinality AS _rec, %s%s FROM read_csv(?, %s) WITH ORDINALITY),
p AS (SELECT *, %s FROM s),
y AS (SELECT *, %s AS _time_period FROM p)
SELECT *, %s FROM y`, tmpValid, lineCol, strings.Join(raws, ", "), opts, strings.Join(parses, ", "),
		timePeriodExpr(src, in.Year), strings.Join(problems, ", "))
	return q, fields
}

// badCondition is true for a row that must be quarantined.
func badCondition(src *Source, fields []*Field) string {
	var parts []string
	for _, f := range fields {
		if f.Required {
			parts = append(parts, "v."+quoteIdent(f.Name+"__p")+" IS NOT NULL")
		}
	}
	for i := range rules(src) {
		parts = append(parts, "v."+quoteIdent(fmt.Sprintf("_rule%d", i))+" IS NOT NULL")
	}
	if len(parts) == 0 {
		return "false"
	}
	return strings.Join(parts, " OR ")
}

// rejects reads the records DuckDB could not parse and maps each to its line.
func (l *Loader) rejects(ctx context.Context, tx *sql.Tx, in *parseInput) ([]rejected, error) {
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(
		`SELECT line, column_idx, coalesce(column_name, ''), CAST(error_type AS VARCHAR)
		 FROM %s ORDER BY line, column_idx`, tmpRejects))
	if err != nil {
		// No table means no rejects were stored.
		if strings.Contains(err.Error(), "does not exist") {
			return nil, nil
		}
		return nil, err
	}
	defer rows.Close()
	var out []rejected
	seen := map[int64]bool{}
	for rows.Next() {
		var line int64
		var colIdx sql.NullInt64
		var colName, typ string
		if err := rows.Scan(&line, &colIdx, &colName, &typ); err != nil {
			return nil, err
		}
		if seen[line] {
			continue // one quarantine row per record
		}
		seen[line] = true
		r := rejected{k: -1, line: line}
		if in.LineColumn {
			// Our own conversion writes well-formed records; the only reject
			// possible is an over-long line. Its logical line is the record.
			r.k = line
		} else if k := in.Map.recordOfLogical(line); k > 0 {
			r.k, r.line = k, in.Map.physLine(k)
		}
		// Name the column as the file does; column_name is our cN.
		var idx int
		if _, err := fmt.Sscanf(colName, "c%d", &idx); err == nil && idx < len(in.Mapping.Headers) {
			r.column = strings.TrimSpace(in.Mapping.Headers[idx])
		}
		r.reason = rejectReasons[typ]
		if r.reason == "" {
			r.reason = strings.ToLower(typ)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// lineMapping returns the SQL expression for a parsed record's line, and any
// join it needs. DuckDB numbers the records it returns 1, 2, 3... (_rec),
// skipping rejected ones; the scanner knows where each record starts. The
// usual file has no blank lines, multi-line values or rejects, and the line
// is just _rec plus the header's line.
func (l *Loader) lineMapping(ctx context.Context, tx *sql.Tx, in *parseInput, rej []rejected) (string, string, error) {
	if in.LineColumn {
		return "v._xl_line", "", nil
	}
	// Segment boundaries in record space: map changes, and either side of
	// each rejected record.
	rejK := map[int64]bool{}
	bounds := map[int64]bool{1: true}
	for _, k := range in.Map.K {
		bounds[k] = true
	}
	var rk []int64
	for _, r := range rej {
		if r.k > 0 {
			rejK[r.k] = true
			rk = append(rk, r.k)
			bounds[r.k+1] = true
		}
	}
	sort.Slice(rk, func(i, j int) bool { return rk[i] < rk[j] })
	var bs []int64
	for b := range bounds {
		if !rejK[b] {
			bs = append(bs, b)
		}
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i] < bs[j] })
	type seg struct{ from, delta int64 }
	var segs []seg
	for _, b := range bs {
		j := int64(sort.Search(len(rk), func(i int) bool { return rk[i] >= b })) // rejects before b
		d := j + in.Map.physLine(b) - b
		if len(segs) > 0 && segs[len(segs)-1].delta == d {
			continue
		}
		segs = append(segs, seg{b - j, d})
	}
	if len(segs) <= 1 {
		d := int64(in.Skip)
		if len(segs) == 1 {
			d = segs[0].delta
		}
		return fmt.Sprintf("(v._rec + %d)", d), "", nil
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TEMP TABLE %s (o_from BIGINT, delta BIGINT)`, tmpSegs)); err != nil {
		return "", "", err
	}
	for _, s := range segs {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s VALUES (?, ?)`, tmpSegs), s.from, s.delta); err != nil {
			return "", "", err
		}
	}
	return "(v._rec + g.delta)", fmt.Sprintf("ASOF JOIN %s g ON v._rec >= g.o_from", tmpSegs), nil
}

// supersedes lists earlier loads that share an extract key with this one.
func supersedes(ctx context.Context, tx *sql.Tx, src *Source, loadID int64) ([]int64, error) {
	var conds []string
	for _, k := range src.Supersede {
		conds = append(conds, fmt.Sprintf("(%s) IS NOT DISTINCT FROM (%s)", qualify(k, "o"), qualify(k, "n")))
	}
	q := fmt.Sprintf(`SELECT DISTINCT o._load_id FROM %s o
		WHERE o._load_id < ? AND EXISTS (SELECT 1 FROM %s n WHERE n._load_id = ? AND %s)
		ORDER BY 1`, src.Table, src.Table, strings.Join(conds, " AND "))
	rows, err := tx.QueryContext(ctx, q, loadID, loadID)
	if err != nil {
		return nil, fmt.Errorf("finding superseded loads: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// qualify prefixes the {} placeholders of a supersede key expression with a
// table alias: "{laestab}" becomes "o.laestab".
func qualify(expr, alias string) string {
	return strings.ReplaceAll(strings.ReplaceAll(expr, "{", alias+`."`), "}", `"`)
}

func loadMessage(src *Source, res *Result) string {
	var parts []string
	if len(res.Dropped) > 0 {
		parts = append(parts, "identifying columns not read: "+strings.Join(res.Dropped, ", "))
	}
	switch {
	case len(res.Unknown) > 0 && src.Wide:
		parts = append(parts, fmt.Sprintf("%d columns without a staged field kept as text in %s", len(res.Unknown), src.WideTable()))
	case len(res.Unknown) > 0:
		parts = append(parts, "unknown columns not read: "+strings.Join(res.Unknown, ", "))
	}
	parts = append(parts, res.Notes...)
	return strings.Join(parts, "; ")
}
