package connectors

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/edwh/edwh/internal/failpoint"
)

// Temporary tables used while one file loads; dropped before commit.
const (
	tmpValid   = "_edwh_valid"
	tmpRejects = "_edwh_rejects"
	tmpScans   = "_edwh_reject_scans"
	tmpSegs    = "_edwh_segments"
	tmpRecs    = "_edwh_records"
)

// loadRows parses, validates and loads one file, in one transaction.
//
// One statement reads the file with DuckDB and writes every record, parsed,
// to the source's store table, each with the problems found in it
// (_problems), and those it quarantines flagged (_quarantined). DuckDB
// reads a large file in parallel and keeps the file's order in the table,
// so the n-th row this load appended is the n-th record the reader
// returned: record numbers, and from them lines, are filled in afterwards
// from the row ids, rather than numbered while reading (WITH ORDINALITY
// would make the whole read single-threaded). One statement then copies
// the problems to ops.quarantine, and the file's ops.loads row is written;
// all of this commits together. The raw view (Source.Table) leaves out the
// flagged rows, so that no reader ever sees a row both loaded and
// quarantined.
//
// A load of less than a row group (rowGroupRows) then deletes the flagged
// rows in the same transaction: DuckDB appends such a load to the table
// only at commit, leaving out the rows deleted, so the delete costs next to
// nothing and the table never holds them. A larger load leaves them
// flagged (Result.Flagged), for DeleteQuarantined to delete in a
// transaction of its own once the source's files have loaded. In the
// load's transaction, the delete would cost a large file double: DuckDB
// writes an append of a row group or more to its final blocks while the
// statement runs, and links them into the table at commit, unless the
// transaction also deleted rows it appended; then it drops those blocks
// and appends the whole load again. (The 8.5-million-row census with 8
// rows quarantined took 23 s so, 12 s with the delete left to a later
// transaction; DuckDB's bare read_csv of it takes 10-11 s.)
//
// Wide sources keep every column of the file as text as well: their parsed
// records go to a temporary table first, from which the good rows go to
// both tables, in the one transaction.
func (l *Loader) loadRows(ctx context.Context, conn *sql.Conn, runID int64, res *Result, in *parseInput, cfgHash string) error {
	src := l.Source
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	ddl, err := missingDDL(ctx, tx, src)
	if err != nil {
		return err
	}
	for _, stmt := range ddl {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("creating %s: %w", src.Table, err)
		}
	}
	var ordered bool
	if err := tx.QueryRowContext(ctx, `SELECT nextval('ops.load_seq'), current_setting('preserve_insertion_order')`).
		Scan(&res.LoadID, &ordered); err != nil {
		return err
	}

	// Without insertion order, records are numbered as they are read.
	// Records are numbered as they are read (one thread) without insertion
	// order, and when a row rule compares rows in file order (_rec).
	v := l.validationSQL(in, res, !ordered || rulesNeedRecords(src))
	var q *quarantineCounts
	var rej []rejected
	if src.Wide {
		q, rej, err = l.loadViaTemp(ctx, tx, runID, res, in, v)
	} else {
		q, rej, err = l.loadDirect(ctx, tx, runID, res, in, v)
	}
	if err != nil {
		return err
	}
	// Every record is loaded or quarantined. Records the scanner counted
	// that DuckDB neither returned nor rejected, and that dropped could not
	// name, would be lost without a line to show for them, and the lines
	// after them numbered wrong: the file is refused instead. No file in
	// the tests or the fuzz corpora does this; TestLostRecordsRefuseTheFile
	// makes DuckDB do it.
	if lost := in.unaccounted(q.rows, rej); lost > 0 {
		return &FileError{Err: ErrRecordsLost, Hint: fmt.Sprintf(
			"the file has %d records and DuckDB's CSV reader returned or rejected %d, so none was loaded: the other %d would have been lost without a trace. "+
				"A line longer than max_line_size (%d bytes) can do this: raise max_line_size in edwh.yaml; otherwise report the file's shape (not its data)",
			in.Records, q.rows+int64(len(rej)), lost, l.maxLine())}
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

	// Records the CSV reader itself rejected.
	if len(rej) > 0 {
		var ph []string
		var args []any
		for _, r := range rej {
			ph = append(ph, "(?, ?, ?, ?, ?, ?, NULL, ?, 'row')")
			args = append(args, runID, res.LoadID, src.Name, res.File.Rel, r.line, r.column, r.reason)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ops.quarantine (run_id, load_id, source, file, line, "column", value, reason, action)
			VALUES `+strings.Join(ph, ", "), args...); err != nil {
			return fmt.Errorf("recording quarantine: %w", err)
		}
	}
	res.RowsLoaded = q.rows - q.bad
	res.Flagged = q.flagged
	res.ValuesNulled = q.nulled
	res.RowsQuarantined = q.bad + int64(len(rej))
	res.RowsRead = res.RowsLoaded + res.RowsQuarantined
	if in.Records != res.RowsRead {
		res.Notes = append(res.Notes, fmt.Sprintf("the line scanner counted %d records but the CSV reader returned %d; line numbers may be approximate", in.Records, res.RowsRead))
	}

	// Which earlier extracts does this one supersede? Only loaded rows
	// count: the quarantined ones have left the raw table by now.
	if len(src.Supersede) > 0 && res.RowsLoaded > 0 {
		if res.Supersedes, err = supersedes(ctx, tx, src, res.LoadID); err != nil {
			return err
		}
	}

	// The file's ledger row, in the same transaction as its rows.
	msg := loadMessage(src, res)
	sup := make([]string, len(res.Supersedes))
	for i, id := range res.Supersedes {
		sup[i] = fmt.Sprint(id)
	}
	res.Status = StatusLoaded
	if _, err := tx.ExecContext(ctx, `INSERT INTO ops.loads (load_id, run_id, source, path, sha256, size, format,
		header_line, rows_read, rows_loaded, rows_quarantined, values_nulled, blank_rows, supersedes, time_period,
		status, message, config_hash, file_stat, loaded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(string_split(nullif(?, ''), ',') AS INTEGER[]), nullif(?, 0),
		?, ?, ?, nullif(?, ''), now())`,
		res.LoadID, runID, src.Name, res.File.Rel, res.SHA256, res.File.Size, res.Format, res.HeaderLine,
		res.RowsRead, res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, res.Blank, strings.Join(sup, ","), res.TimePeriod,
		res.Status, msg, cfgHash, res.FileStat); err != nil {
		return fmt.Errorf("recording load: %w", err)
	}
	var drops []string
	for _, t := range []string{tmpValid, tmpRejects, tmpScans, tmpSegs, tmpRecs} {
		drops = append(drops, "DROP TABLE IF EXISTS "+t)
	}
	if _, err := tx.ExecContext(ctx, strings.Join(drops, "; ")); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Crash tests kill the process here, where the load is committed and
	// nothing else is: the working database must already be whole.
	failpoint.Hit("load-committed", int(loadsCommitted.Add(1)))
	return nil
}

// loadsCommitted counts the load transactions this process has committed,
// for the load-committed failpoint.
var loadsCommitted atomic.Int64

// quarantineCounts are what a load's validation found.
type quarantineCounts struct {
	rows     int64 // records the reader returned
	bad      int64 // of them, quarantined
	nulled   int64 // problems (values nulled or flagged) in rows that loaded
	problems int64 // rows with any problem
	flagged  int64 // of bad, left flagged in the store table at commit
}

// rowGroupRows is the size of DuckDB's row groups (its default
// row_group_size, which edwh does not change): an append of fewer rows is
// written to the table only at commit.
const rowGroupRows = 122_880

// loadDirect writes every record to the store table in one pass, the
// quarantined ones flagged, then numbers lines, records problems and, for a
// load of less than a row group, deletes the quarantined rows, all in tx.
func (l *Loader) loadDirect(ctx context.Context, tx *sql.Tx, runID int64, res *Result, in *parseInput, v *validation) (*quarantineCounts, []rejected, error) {
	src := l.Source
	store := src.StoreTable()
	cols := []string{"_load_id", "_file", "_line"}
	vals := []string{"$2", "$3", "0"}
	switch {
	case in.LineColumn:
		vals[2] = "v._xl_line"
	case v.ordinal:
		vals[2] = "v._rec" // the record number, made a line below
	}
	for _, c := range storedColumns(src) {
		cols = append(cols, quoteIdent(c[0]))
		vals = append(vals, "v."+quoteIdent(c[0]))
	}
	cols = append(cols, "_problems", "_quarantined")
	vals = append(vals, "v._problems", "CASE WHEN v._bad THEN true END")
	ins := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM (%s) v", store, strings.Join(cols, ", "), strings.Join(vals, ", "), v.sql)
	if _, err := tx.ExecContext(ctx, ins, in.Path, res.LoadID, res.File.Rel); err != nil {
		return nil, nil, fmt.Errorf("reading with DuckDB: %w", err)
	}
	rej, err := l.rejects(ctx, tx, in)
	if err != nil {
		return nil, nil, err
	}

	q := &quarantineCounts{}
	var minID, maxID sql.NullInt64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT min(rowid), max(rowid), count(*), count(_problems),
			count(_quarantined), coalesce(sum(len(_problems)) FILTER (WHERE _quarantined IS NULL), 0)
		FROM %s WHERE _load_id = ?`, store), res.LoadID).
		Scan(&minID, &maxID, &q.rows, &q.problems, &q.bad, &q.nulled); err != nil {
		return nil, nil, err
	}
	rej = l.dropped(in, rej, q.rows)
	if q.rows == 0 {
		return q, rej, nil
	}

	// Lines: the record number of each row, from its row id (or as read),
	// plus the offset of its stretch of the file.
	if !in.LineColumn {
		segs := l.segments(in, rej)
		rec, simple := "_line", true // as read
		if !v.ordinal {
			if maxID.Int64-minID.Int64+1 == q.rows {
				rec = fmt.Sprintf("(rowid - %d)", minID.Int64-1)
			} else {
				rec, simple = "row_number() OVER (ORDER BY rowid)", false // never seen: appended rows have consecutive ids
			}
		}
		var err error
		if simple && len(segs) <= maxCaseSegments {
			line, _, _ := lineOf(ctx, tx, rec, segs)
			_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET _line = %s WHERE _load_id = ?`, store, line), res.LoadID)
		} else {
			var line, join string
			if line, join, err = lineOf(ctx, tx, "r.rec", segs); err != nil {
				return nil, nil, err
			}
			_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET _line = m.line FROM (
				SELECT r.rid, %s AS line FROM (SELECT rowid AS rid, %s AS rec FROM %s WHERE _load_id = ?) r %s) m
				WHERE %s.rowid = m.rid`, store, line, rec, store, join, store), res.LoadID)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("numbering lines: %w", err)
		}
	}

	if q.problems > 0 {
		if err := l.quarantine(ctx, tx, runID, res, in, v, "v._line", store+" v", "v._load_id = ? AND v._problems IS NOT NULL", res.LoadID); err != nil {
			return nil, nil, err
		}
	}

	// See loadRows for which loads delete their quarantined rows now.
	if q.bad > 0 && q.rows < rowGroupRows {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE _load_id = ? AND _quarantined`, store), res.LoadID); err != nil {
			return nil, nil, fmt.Errorf("removing quarantined rows: %w", err)
		}
	} else {
		q.flagged = q.bad
	}
	return q, rej, nil
}

// loadViaTemp parses the file into a temporary table, from which the good
// rows go to the raw and wide tables (Wide sources).
func (l *Loader) loadViaTemp(ctx context.Context, tx *sql.Tx, runID int64, res *Result, in *parseInput, v *validation) (*quarantineCounts, []rejected, error) {
	src := l.Source
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE TEMP TABLE %s AS %s", tmpValid, v.sql), in.Path); err != nil {
		return nil, nil, fmt.Errorf("reading with DuckDB: %w", err)
	}
	rej, err := l.rejects(ctx, tx, in)
	if err != nil {
		return nil, nil, err
	}
	q := &quarantineCounts{}
	var minID, maxID sql.NullInt64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT min(rowid), max(rowid), count(*), count(_problems),
			count(*) FILTER (WHERE _bad), coalesce(sum(len(_problems)) FILTER (WHERE NOT _bad), 0) FROM %s`, tmpValid)).
		Scan(&minID, &maxID, &q.rows, &q.problems, &q.bad, &q.nulled); err != nil {
		return nil, nil, err
	}
	rej = l.dropped(in, rej, q.rows)

	// Each row's line.
	lineExpr, join := "v._xl_line", ""
	if !in.LineColumn {
		rec := "v._rec"
		if !v.ordinal {
			if q.rows == 0 || maxID.Int64-minID.Int64+1 == q.rows {
				rec = fmt.Sprintf("(v.rowid - %d)", minID.Int64-1)
			} else {
				if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TEMP TABLE %s AS SELECT rowid AS rid, row_number() OVER (ORDER BY rowid) AS rec FROM %s`,
					tmpRecs, tmpValid)); err != nil {
					return nil, nil, err
				}
				rec, join = "k.rec", fmt.Sprintf("JOIN %s k ON k.rid = v.rowid", tmpRecs)
			}
		}
		var segJoin string
		if lineExpr, segJoin, err = lineOf(ctx, tx, rec, l.segments(in, rej)); err != nil {
			return nil, nil, err
		}
		join += segJoin
	}

	cols := []string{"_load_id", "_file", "_line"}
	vals := []string{"?", "?", lineExpr}
	for _, c := range storedColumns(src) {
		cols = append(cols, quoteIdent(c[0]))
		vals = append(vals, "v."+quoteIdent(c[0]))
	}
	cols = append(cols, "_problems")
	vals = append(vals, "v._problems")
	ins := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s v %s WHERE NOT v._bad`,
		src.StoreTable(), strings.Join(cols, ", "), strings.Join(vals, ", "), tmpValid, join)
	if _, err := tx.ExecContext(ctx, ins, res.LoadID, res.File.Rel); err != nil {
		return nil, nil, fmt.Errorf("inserting rows: %w", err)
	}
	if err := l.insertWide(ctx, tx, res, in, lineExpr, join, "v._bad"); err != nil {
		return nil, nil, err
	}
	if q.problems > 0 {
		if err := l.quarantine(ctx, tx, runID, res, in, v, lineExpr, tmpValid+" v "+join, "v._problems IS NOT NULL"); err != nil {
			return nil, nil, err
		}
	}
	return q, rej, nil
}

// quarantine records every problem of the rows of from (aliased v) that
// match where, one ops.quarantine row per problem, so that a row with two
// bad values shows both and one fix to the source mends them all. The
// column is named as the file names it, bound as a parameter.
func (l *Loader) quarantine(ctx context.Context, tx *sql.Tx, runID int64, res *Result, in *parseInput, v *validation,
	lineExpr, from, where string, whereArgs ...any) error {
	args := []any{runID, res.LoadID, l.Source.Name, res.File.Rel}
	var b strings.Builder
	b.WriteString("CASE q.p.field")
	for _, name := range v.problemFields {
		header := name
		if i := in.Mapping.Index(name); i >= 0 {
			header = strings.TrimSpace(in.Mapping.Headers[i])
		}
		args = append(args, header)
		fmt.Fprintf(&b, " WHEN %s THEN $%d", quoteLit(name), len(args))
	}
	b.WriteString(" ELSE q.p.field END")
	for _, a := range whereArgs {
		args = append(args, a)
		where = strings.Replace(where, "?", fmt.Sprintf("$%d", len(args)), 1)
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO ops.quarantine (run_id, load_id, source, file, line, "column", value, reason, action)
		SELECT $1, $2, $3, $4, q.line, %s, q.p.value, q.p.reason, q.p.action
		FROM (SELECT %s AS line, unnest(v._problems) AS p FROM %s WHERE %s) q`, b.String(), lineExpr, from, where), args...)
	if err != nil {
		return fmt.Errorf("recording quarantine: %w", err)
	}
	return nil
}

// schoolKeyExpr is the LAESTAB stored for a row: as given, or built from LA
// and ESTAB.
const schoolKeyExpr = `coalesce("laestab", "la" * 10000 + "estab")`

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

// rulesNeedRecords reports whether a row rule orders rows by _rec, the
// record's number in the file, which only the one-thread reader provides.
func rulesNeedRecords(src *Source) bool {
	for _, r := range src.RowRules {
		if strings.Contains(r.Bad, "_rec") {
			return true
		}
	}
	return false
}

// validation is the query that reads a file and validates its records.
type validation struct {
	// sql is a SELECT whose one parameter ($1) is the file's path. Its
	// columns: each stored column by name, _problems, _bad (the row is
	// quarantined), _rec (record number, when ordinal), _xl_line (the
	// sheet row of a converted workbook), and for Wide sources _wN, the
	// text of the file's column N.
	sql string
	// ordinal: the reader numbers records (_rec), in one thread.
	ordinal bool
	// problemFields are the field names _problems can name.
	problemFields []string
}

// validationSQL builds the statement that reads the file with DuckDB and,
// for every record, parses each field and lists its problems. It is built
// in layers, each computing its columns once for the next: the text as
// read (cN), helper values (f__h, f__g), parsed values (f), problems (f__p) and
// row rules (_ruleN), and the row as stored. A field the file lacks is NULL
// and can have no problem.
func (l *Loader) validationSQL(in *parseInput, res *Result, ordinal bool) *validation {
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
	v := &validation{ordinal: ordinal}
	var helpers, pres, parses, problems, problemCols, entries, badParts []string
	for i := range all {
		f := &all[i]
		j := in.Mapping.Index(f.Name)
		if j < 0 && !f.Required {
			// Not in this file at all: NULL, with no marker (so "not
			// published in this file" differs from a blank cell) and no
			// problem. Public files declare dozens of fields a given
			// year's file lacks; skipping them keeps the statement small.
			parses = append(parses, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Kind.sqlType(), quoteIdent(f.Name)))
			switch f.Kind {
			case ScoreOrCode:
				parses = append(parses, "CAST(NULL AS VARCHAR) AS "+quoteIdent(f.Name+"_code"))
			case Measure:
				parses = append(parses, "CAST(NULL AS VARCHAR) AS "+quoteIdent(f.Name+"_status"))
			}
			continue
		}
		c := "CAST(NULL AS VARCHAR)"
		if j >= 0 {
			c = fmt.Sprintf("c%d", j)
		}
		r := "edwh_blank(" + c + ")"
		h, g, p, pc := quoteIdent(f.Name+"__h"), quoteIdent(f.Name+"__g"), quoteIdent(f.Name), quoteIdent(f.Name+"__p")
		e := exprs(f, c, r, h, g, p)
		if e.helper != "" {
			helpers = append(helpers, e.helper+" AS "+h)
		}
		if e.pre != "" {
			pres = append(pres, e.pre+" AS "+g)
		}
		parses = append(parses, e.parse+" AS "+p)
		parses = append(parses, e.extra...)
		if e.problem == "" {
			continue
		}
		problems = append(problems, e.problem+" AS "+pc)
		problemCols = append(problemCols, pc)
		value := "left(" + r + ", 100)"
		if f.Identifying {
			value = "edwh_mask(" + r + ")"
		}
		entries = append(entries, fmt.Sprintf("{'field': %s, 'value': %s, 'reason': %s, 'action': %s}",
			quoteLit(f.Name), value, pc, quoteLit(action(f))))
		v.problemFields = appendUnique(v.problemFields, f.Name)
		if f.Required {
			badParts = append(badParts, pc+" IS NOT NULL")
		}
	}
	for i, rule := range rules(src) {
		rc := quoteIdent(fmt.Sprintf("_rule%d", i))
		problems = append(problems, fmt.Sprintf("CASE WHEN %s THEN %s END AS %s", rule.Bad, quoteLit(rule.Reason), rc))
		problemCols = append(problemCols, rc)
		entries = append(entries, fmt.Sprintf("{'field': %s, 'value': CAST(NULL AS VARCHAR), 'reason': %s, 'action': 'row'}",
			quoteLit(rule.Column), rc))
		v.problemFields = appendUnique(v.problemFields, rule.Column)
		badParts = append(badParts, rc+" IS NOT NULL")
	}

	// The row as stored.
	var out []string
	for _, c := range storedColumns(src) {
		switch {
		case src.SchoolKey && c[0] == "laestab":
			out = append(out, schoolKeyExpr+` AS "laestab"`)
		case src.YearFromPath && c[0] == "time_period":
			out = append(out, `_time_period AS "time_period"`)
		default:
			out = append(out, quoteIdent(c[0]))
		}
	}
	if len(entries) == 0 {
		out = append(out, fmt.Sprintf("CAST(NULL AS %s) AS _problems", problemsType))
	} else {
		var anyProblem []string
		for _, pc := range problemCols {
			anyProblem = append(anyProblem, pc+" IS NOT NULL")
		}
		out = append(out, fmt.Sprintf("CASE WHEN %s THEN list_filter([%s], x -> x.reason IS NOT NULL) END AS _problems",
			strings.Join(anyProblem, " OR "), strings.Join(entries, ", ")))
	}
	bad := "false"
	if len(badParts) > 0 {
		bad = strings.Join(badParts, " OR ")
	}
	out = append(out, bad+" AS _bad")
	read := "*"
	if ordinal {
		out = append(out, "_rec")
		read = "ordinality AS _rec, *"
	}
	if in.LineColumn {
		out = append(out, "CAST(xl_line AS BIGINT) AS _xl_line")
	}
	if src.Wide {
		// Every column as read, untrimmed, under a positional alias; the
		// wide insert names them.
		for i, name := range in.Mapping.Names {
			if name != "" {
				out = append(out, fmt.Sprintf("c%d AS %s", i, quoteIdent(fmt.Sprintf("_w%d", i))))
			}
		}
	}

	opts := fmt.Sprintf(`columns = {%s}, header = false, skip = %d, delim = %s, quote = '"', escape = '"',
		auto_detect = false, store_rejects = true, rejects_table = '%s', rejects_scan = '%s', max_line_size = %d, buffer_size = %d`,
		strings.Join(colDefs, ", "), in.Skip, quoteLit(string(in.Delim)), tmpRejects, tmpScans, l.maxLine(), l.bufferSize())
	if src.PadShortRows {
		// DuckDB pads only with its single-threaded reader when a quoted
		// value may span lines.
		opts += ", null_padding = true, parallel = false"
	}
	withOrd := ""
	if ordinal {
		withOrd = " WITH ORDINALITY"
	}
	layer := func(cols []string) string {
		if len(cols) == 0 {
			return "*"
		}
		return "*, " + strings.Join(cols, ", ")
	}
	// _time_period is the year a row is stored under, computed before the
	// problems so that row rules can group a file's rows by year.
	v.sql = fmt.Sprintf(`WITH s AS (SELECT %s FROM read_csv($1, %s)%s),
h AS (SELECT %s FROM s),
g AS (SELECT %s FROM h),
p AS (SELECT %s FROM g),
y AS (SELECT *, %s AS _time_period FROM p),
q AS (SELECT %s FROM y)
SELECT %s FROM q`, read, opts, withOrd, layer(helpers), layer(pres), layer(parses), timePeriodExpr(src, in.Year),
		layer(problems), strings.Join(out, ", "))
	return v
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
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

// dropped adds to rej the over-long records that DuckDB neither returned
// nor rejected, given the rows it returned, so that they are quarantined
// and the lines after them are numbered right.
//
// DuckDB 1.4's CSV reader rejects a line longer than max_line_size, as it
// should, while the line fits in its read buffer; a longer line it drops
// without a word (a 150 MiB line with its default 128 MiB buffer, a 40 MiB
// one with a 32 MiB buffer). The scanner measured every record; when
// records are missing, the longest of those over the limit that DuckDB did
// not reject are the ones it dropped.
func (l *Loader) dropped(in *parseInput, rej []rejected, rows int64) []rejected {
	missing := in.unaccounted(rows, rej)
	if missing <= 0 || len(in.Long) == 0 || in.LineColumn {
		return rej
	}
	have := map[int64]bool{}
	for _, r := range rej {
		have[r.k] = true
	}
	var cand []longRecord
	for _, lr := range in.Long {
		if !have[lr.k] {
			cand = append(cand, lr)
		}
	}
	sort.SliceStable(cand, func(i, j int) bool { return cand[i].size > cand[j].size })
	for _, lr := range cand[:min(int64(len(cand)), missing)] {
		rej = append(rej, rejected{k: lr.k, line: in.Map.physLine(lr.k),
			reason: fmt.Sprintf("%s (%d bytes; max_line_size is %d)", rejectReasons["LINE SIZE OVER MAXIMUM"], lr.size, l.maxLine())})
	}
	sort.SliceStable(rej, func(i, j int) bool { return rej[i].line < rej[j].line })
	return rej
}

// seg is a stretch of records whose line is the record number plus delta.
type seg struct{ from, delta int64 }

// segments maps record numbers to lines. DuckDB numbers the records it
// returns 1, 2, 3... skipping rejected ones; the scanner knows where each
// record starts. The usual file has no blank lines, multi-line values or
// rejects, and one segment: the line is the record number plus the
// header's line.
func (l *Loader) segments(in *parseInput, rej []rejected) []seg {
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
	var segs []seg
	for _, b := range bs {
		j := int64(sort.Search(len(rk), func(i int) bool { return rk[i] >= b })) // rejects before b
		d := j + in.Map.physLine(b) - b
		if len(segs) > 0 && segs[len(segs)-1].delta == d {
			continue
		}
		segs = append(segs, seg{b - j, d})
	}
	if len(segs) == 0 {
		segs = []seg{{1, int64(in.Skip)}}
	}
	return segs
}

// maxCaseSegments is the most segments lineOf maps with an expression
// (a balanced tree of CASEs); more are joined to a table.
var maxCaseSegments = 2048

// segmentBucket is the width, in records, of the buckets the segments
// table is keyed on, so that the join is an equality join.
const segmentBucket = 2048

// lineOf returns the line of the record numbered rec (an SQL expression),
// and the join it needs, if any, on a segments table it creates. A range
// or ASOF join of every row against the segments is slow in DuckDB; a
// CASE tree or an equality join on buckets is not.
func lineOf(ctx context.Context, tx *sql.Tx, rec string, segs []seg) (string, string, error) {
	if len(segs) <= maxCaseSegments {
		var tree func(lo, hi int) string
		tree = func(lo, hi int) string {
			if hi-lo == 1 {
				return fmt.Sprint(segs[lo].delta)
			}
			mid := (lo + hi) / 2
			return fmt.Sprintf("CASE WHEN %s < %d THEN %s ELSE %s END", rec, segs[mid].from, tree(lo, mid), tree(mid, hi))
		}
		return fmt.Sprintf("(%s + %s)", rec, tree(0, len(segs))), "", nil
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TEMP TABLE %s (b BIGINT, o_from BIGINT, o_to BIGINT, delta BIGINT)`, tmpSegs)); err != nil {
		return "", "", err
	}
	type row struct{ b, from, to, delta int64 }
	var rows []row
	for i, s := range segs {
		to := int64(math.MaxInt64)
		if i+1 < len(segs) {
			to = segs[i+1].from
		}
		last := (to - 1) / segmentBucket
		if i == 0 {
			s.from = math.MinInt64 // as the expression: everything before the second segment
		}
		first := max(s.from, 0) / segmentBucket
		if i+1 == len(segs) {
			last = first // open-ended: found through the last bucket's rows below
		}
		for b := first; b <= last; b++ {
			rows = append(rows, row{b, s.from, to, s.delta})
		}
	}
	for len(rows) > 0 {
		batch := rows[:min(len(rows), 1000)]
		rows = rows[len(batch):]
		var ph []string
		var args []any
		for _, r := range batch {
			ph = append(ph, "(?, ?, ?, ?)")
			args = append(args, r.b, r.from, r.to, r.delta)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s VALUES %s`, tmpSegs, strings.Join(ph, ", ")), args...); err != nil {
			return "", "", err
		}
	}
	lastB := (segs[len(segs)-1].from) / segmentBucket
	return fmt.Sprintf("(%s + g.delta)", rec),
		fmt.Sprintf(" JOIN %s g ON least(%s // %d, %d) = g.b AND %s >= g.o_from AND %s < g.o_to",
			tmpSegs, rec, segmentBucket, lastB, rec, rec), nil
}

// supersedes lists earlier loads that share an extract key with this one.
func supersedes(ctx context.Context, tx *sql.Tx, src *Source, loadID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, supersedeQuery(src, true), loadID)
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

// supersedeQuery finds the earlier loads (o) with a row whose extract key
// is that of a row of the new load (n), whose id is its one parameter.
//
// Every earlier row's key is computed to compare it (for most sources a
// school key as text), so without narrow each load of a source costs
// more than the last: the demo LA's fifth year of attendance took 98 ms
// here, its second 29 ms. With narrow, the keys that are a plain column
// ({academic_year}, {term}, {census_date}) first keep the earlier rows
// whose values of those the new load has, which is cheap, and the same
// loads come out.
func supersedeQuery(src *Source, narrow bool) string {
	var conds, plain []string
	for _, k := range src.Supersede {
		conds = append(conds, fmt.Sprintf("(%s) IS NOT DISTINCT FROM (%s)", qualify(k, "o"), qualify(k, "n")))
		if m := plainKey.FindStringSubmatch(k); m != nil {
			plain = append(plain, quoteIdent(m[1]))
		}
	}
	join := ""
	if narrow && len(plain) > 0 {
		on := make([]string, len(plain))
		for i, c := range plain {
			on[i] = fmt.Sprintf("o.%s IS NOT DISTINCT FROM k.%s", c, c)
		}
		join = fmt.Sprintf(" SEMI JOIN (SELECT DISTINCT %s FROM %s WHERE _load_id = $1) k ON %s",
			strings.Join(plain, ", "), src.Table, strings.Join(on, " AND "))
	}
	return fmt.Sprintf(`SELECT DISTINCT o._load_id FROM %s o%s
		WHERE o._load_id < $1 AND EXISTS (SELECT 1 FROM %s n WHERE n._load_id = $1 AND %s)
		ORDER BY 1`, src.Table, join, src.Table, strings.Join(conds, " AND "))
}

// plainKey matches an extract key that is one column as it is.
var plainKey = regexp.MustCompile(`^\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

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
