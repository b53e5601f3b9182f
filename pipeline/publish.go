package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/edwh/edwh/transforms"
)

// publishFormat changes when the layout of publish/ changes, so the next
// run republishes even with nothing new.
const publishFormat = "1"

// The layout of publish/:
//
//	publish/current       -> .versions/<run>   (swapped in one rename)
//	publish/edwh.duckdb   -> current/edwh.duckdb
//	publish/parquet       -> current/parquet
//	publish/report        -> current/report
//	publish/.versions/<run>/...
//
// Everything a run publishes is written into a fresh version folder, synced
// to disk, checked, and only then made current by renaming one symbolic
// link over another, which is atomic: a reader sees the old version or the
// new one, never a mix, and a crash at any point leaves the old one.
const (
	versionsDir = ".versions"
	currentLink = "current"
)

var stableLinks = []string{"edwh.duckdb", "parquet", "report"}

// publishedVersion is the current version's folder name, or "".
func publishedVersion(c *Config) string {
	t, err := os.Readlink(filepath.Join(c.PublishDir(), currentLink))
	if err != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(c.PublishDir(), t)); err != nil {
		return ""
	}
	return filepath.Base(t)
}

type publisher struct {
	cfg  *Config
	conn *sql.Conn
	// db is the pool conn is from; the Parquet files, the marts' scan for
	// identifiers and the report are done on a connection of their own
	// while conn writes the snapshot (beside).
	db      *sql.DB
	project *transforms.Project
	runID   int64
	log     zerolog.Logger
	now     func() time.Time
	// outputs and rows are each model's transforms.ModelResult Output and
	// row count: a mart whose Output matches the current version's
	// manifest has its files reused.
	outputs map[string]string
	rows    map[string]int64
}

// ErrPrivacy: something that looks like a pupil identifier was about to be
// published.
var ErrPrivacy = errors.New("privacy check failed")

// upnPattern finds anything shaped like a UPN, permanent or temporary.
const upnPattern = `[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]`

// forbiddenColumns never appear in anything published.
var forbiddenColumns = map[string]bool{"upn": true, "dob": true, "date_of_birth": true, "surname": true,
	"forename": true, "first_name": true, "postcode": true, "address": true}

func (p *publisher) publish(ctx context.Context, sum *Summary) (string, error) {
	pub := p.cfg.PublishDir()
	version := fmt.Sprintf("run-%06d-%s", p.runID, p.now().UTC().Format("20060102T150405Z"))
	dir := filepath.Join(pub, versionsDir, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir) // a half-written version is never left behind
		}
	}()
	marts := p.marts()
	key, err := publishKey(ctx, p.conn)
	if err != nil {
		return "", err
	}
	reuse := p.reusable(pub, key, marts)
	docs := map[string]string{}
	for _, m := range marts {
		docs[martName(m)] = m.Description
	}
	// The snapshot is written on p.conn, and beside it, on a connection of
	// its own, the Parquet files, the scan of the marts for identifiers and
	// the report: they read the same committed marts and write different
	// files. On an LA's data each side keeps about one core busy: on the
	// demo LA, publish took 2.1 s with the Parquet after the snapshot and
	// 1.4 s beside it. The snapshot side was then the longer by about half
	// a second, and moving the scan and the report to the other side took
	// publish from 1.55 s to 1.45 s and from 1.83 s to 1.59 s (medians of
	// five and of seven fresh runs, interleaved). On a national year they
	// share DuckDB's threads and memory limit, and gain little (40 s to
	// 39 s; the full run peaked at 4.3 GiB).
	var serr, berr error
	if p.db == nil { // one connection: one thing at a time
		serr = p.snapshot(ctx, filepath.Join(dir, "edwh.duckdb"), marts, reuse)
		if serr == nil {
			berr = p.beside(ctx, p.conn, dir, marts, reuse, sum, docs)
		}
	} else {
		side := make(chan error, 1)
		go func() {
			conn, err := p.db.Conn(ctx)
			if err != nil {
				side <- err
				return
			}
			defer conn.Close()
			side <- p.beside(ctx, conn, dir, marts, reuse, sum, docs)
		}()
		serr = p.snapshot(ctx, filepath.Join(dir, "edwh.duckdb"), marts, reuse)
		berr = <-side
	}
	if serr != nil {
		return "", fmt.Errorf("snapshot: %w", serr)
	}
	failpoint("publish", 1)
	if berr != nil {
		return "", berr
	}
	man := &manifest{Format: key, Marts: map[string]string{}}
	for _, m := range marts {
		man.Marts[martName(m)] = p.outputs[m.Name]
	}
	if err := writeManifest(dir, man); err != nil {
		return "", err
	}
	if err := syncTree(dir); err != nil {
		return "", fmt.Errorf("syncing %s: %w", dir, err)
	}
	failpoint("publish", 2)
	if err := swapCurrent(pub, version); err != nil {
		return "", err
	}
	ok = true
	p.gc(pub, version)
	p.log.Info().Str("version", version).Int("marts", len(marts)).Int("reused", len(reuse.parquet)).
		Bool("snapshot_copied", reuse.snapshotFrom != "").Msg("published")
	return version, nil
}

// marts are the models published: every model in the mart schema.
func (p *publisher) marts() []*transforms.Model {
	var out []*transforms.Model
	for _, m := range p.project.Models {
		if strings.HasPrefix(m.Name, "mart.") {
			out = append(out, m)
		}
	}
	return out
}

func martName(m *transforms.Model) string { return strings.TrimPrefix(m.Name, "mart.") }

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// snapshot writes the research database: the marts, the run ledger and a
// quarantine summary without values, then checks it for identifiers. With
// reuse.snapshotFrom it starts from a copy of the last version's snapshot,
// keeps the tables of the marts in reuse.snapshot, and writes the rest.
func (p *publisher) snapshot(ctx context.Context, path string, marts []*transforms.Model, reuse reuse) (err error) {
	db := p.conn
	if reuse.snapshotFrom != "" {
		if err := copyFile(reuse.snapshotFrom, path); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, "ATTACH "+sqlString(path)+" AS edwh_snapshot"); err != nil {
		return err
	}
	defer func() {
		if _, derr := db.ExecContext(context.WithoutCancel(ctx), "DETACH edwh_snapshot"); derr != nil && err == nil {
			err = derr
		}
	}()
	stmts := []string{}
	// written are the tables this publish writes: the only ones whose
	// comments are written. Of those, the ledger's tables (ops) have their
	// values scanned for identifiers here, and the marts' by beside, in
	// the marts themselves (the kept ones were scanned when they were
	// first published).
	written, ops := map[string]bool{}, map[string]bool{}
	if reuse.snapshotFrom != "" {
		rows, err := db.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE database_name = 'edwh_snapshot'`)
		if err != nil {
			return err
		}
		var drop []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			if !reuse.snapshot[t] {
				drop = append(drop, t)
			}
		}
		rows.Close()
		for _, t := range drop {
			stmts = append(stmts, "DROP TABLE edwh_snapshot.main."+quoteIdent(t))
		}
	}
	for _, m := range marts {
		n := martName(m)
		if reuse.snapshot[n] {
			continue
		}
		written[n] = true
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE edwh_snapshot.main.%s AS SELECT * FROM %s", n, m.Name))
		if m.Description != "" {
			stmts = append(stmts, fmt.Sprintf("COMMENT ON TABLE edwh_snapshot.main.%s IS %s", n, sqlString(m.Description)))
		}
	}
	dict, err := LoadDictionary()
	if err != nil {
		return err
	}
	for _, t := range opsSnapshotTables(p.runID) {
		written[t.name], ops[t.name] = true, true
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE edwh_snapshot.main.%s AS %s", t.name, t.query))
		// The ops tables' comments are in sql/dictionary.csv (the rows
		// without a column), so a researcher's DuckDB client shows them.
		if d := dict.TableDescription(t.name); d != "" {
			stmts = append(stmts, fmt.Sprintf("COMMENT ON TABLE edwh_snapshot.main.%s IS %s", t.name, sqlString(d)))
		}
	}
	// One transaction for the tables and their comments: a commit per
	// statement (a few hundred column comments) was most of the time of
	// the snapshot on an LA's data.
	if _, err := db.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	err = func() error {
		for _, s := range stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return p.describeColumns(ctx, written)
	}()
	if err != nil {
		db.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := db.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	return privacyScan(ctx, db, "edwh_snapshot", "main", ops)
}

// opsSnapshotTable is an operational table the snapshot publishes, built by
// a query on the working database's ops schema.
type opsSnapshotTable struct{ name, query string }

// opsSnapshotTables are the run ledger tables of the snapshot of run runID
// (their columns are described in sql/dictionary.csv, like the marts').
func opsSnapshotTables(runID int64) []opsSnapshotTable {
	return []opsSnapshotTable{
		{"runs", fmt.Sprintf(`
			SELECT run_id, started_at, finished_at, trigger,
			       CASE WHEN run_id = %d THEN 'succeeded' ELSE status END AS status,
			       files_seen, files_loaded, files_refused, rows_loaded, rows_quarantined, checks_failed, published, error
			FROM ops.runs WHERE run_id <= %d`, runID, runID)},
		{"loads", `
			SELECT load_id, run_id, source, path, sha256, size, format, header_line, rows_read, rows_loaded,
			       rows_quarantined, values_nulled, blank_rows, supersedes, time_period, status, message, loaded_at
			FROM ops.loads`},
		{"checks", fmt.Sprintf(`SELECT * FROM ops.checks WHERE run_id = %d`, runID)},
		{"quarantine_summary", `
			SELECT source, file, "column", reason, action, count(*) AS rows, min(line) AS first_line
			FROM ops.quarantine GROUP BY ALL ORDER BY source, file, first_line`},
	}
}

// describeColumns writes the data dictionary into the snapshot as column
// comments, so any DuckDB client can read what a column means: on the
// tables in only, or on every table if only is nil.
func (p *publisher) describeColumns(ctx context.Context, only map[string]bool) error {
	dict, err := LoadDictionary()
	if err != nil {
		return err
	}
	rows, err := p.conn.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_catalog = 'edwh_snapshot' ORDER BY table_name, ordinal_position`)
	if err != nil {
		return err
	}
	var cols [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, [2]string{t, c})
	}
	rows.Close()
	var missing []string
	for _, c := range cols {
		if only != nil && !only[c[0]] {
			continue
		}
		d := dict.Describe(c[0], c[1])
		if d == "" {
			missing = append(missing, c[0]+"."+c[1])
			continue
		}
		if _, err := p.conn.ExecContext(ctx, fmt.Sprintf("COMMENT ON COLUMN edwh_snapshot.main.%s.%s IS %s",
			quoteIdent(c[0]), quoteIdent(c[1]), sqlString(d))); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		p.log.Warn().Strs("columns", missing).Msg("published columns without a data dictionary entry (sql/dictionary.csv)")
	}
	return nil
}

// privacyScan refuses to publish a column named like an identifier in any
// table of catalog.schema (catalog "" is the working database), or any text
// value shaped like a UPN in the tables of it in only (every table, if only
// is nil).
func privacyScan(ctx context.Context, conn *sql.Conn, catalog, schema string, only map[string]bool) error {
	rows, err := conn.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_catalog = coalesce(nullif(?, ''), current_database()) AND table_schema = ?
		ORDER BY table_name, ordinal_position`, catalog, schema)
	if err != nil {
		return err
	}
	type col struct{ table, name, typ string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// The text columns of each table, scanned in one query per table.
	var tables []string
	text := map[string][]string{}
	for _, c := range cols {
		if forbiddenColumns[strings.ToLower(c.name)] {
			return fmt.Errorf("%w: table %s has a column %s", ErrPrivacy, c.table, c.name)
		}
		if c.typ != "VARCHAR" || (only != nil && !only[c.table]) {
			continue
		}
		if len(text[c.table]) == 0 {
			tables = append(tables, c.table)
		}
		text[c.table] = append(text[c.table], c.name)
	}
	prefix := quoteIdent(schema) + "."
	if catalog != "" {
		prefix = quoteIdent(catalog) + "." + prefix
	}
	for _, t := range tables {
		names := text[t]
		counts := make([]int64, len(names))
		dest := make([]any, len(names))
		sel := make([]string, len(names))
		for i, n := range names {
			sel[i] = fmt.Sprintf("count(*) FILTER (WHERE regexp_matches(%s, '%s'))", quoteIdent(n), upnPattern)
			dest[i] = &counts[i]
		}
		q := fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(sel, ", "), prefix, quoteIdent(t))
		if err := conn.QueryRowContext(ctx, q).Scan(dest...); err != nil {
			return err
		}
		for i, n := range counts {
			if n > 0 {
				return fmt.Errorf("%w: %d values of %s.%s look like UPNs", ErrPrivacy, n, t, names[i])
			}
		}
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// beside writes what publish writes beside the snapshot, on conn: the
// Parquet files, then (having scanned the marts they and the snapshot copy
// for identifiers) the report.
func (p *publisher) beside(ctx context.Context, conn *sql.Conn, dir string, marts []*transforms.Model, reuse reuse, sum *Summary, docs map[string]string) error {
	if err := p.parquet(ctx, conn, filepath.Join(dir, "parquet"), marts, reuse); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	// The marts written this time (the snapshot's tables and the Parquet
	// files are copies of them, SELECT *); those reused were scanned when
	// they were first published.
	written := map[string]bool{}
	for _, m := range marts {
		if n := martName(m); reuse.parquet[n] == "" {
			written[n] = true
		}
	}
	if err := privacyScan(ctx, conn, "", "mart", written); err != nil {
		return err
	}
	if err := writeReport(ctx, conn, filepath.Join(dir, "report"), p.cfg, sum, docs); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// parquet writes each mart as Parquet, partitioned by time_period where it
// has one, for BI tools. A mart in reuse.parquet is hard-linked from the
// last version instead, or written if that fails.
func (p *publisher) parquet(ctx context.Context, conn *sql.Conn, dir string, marts []*transforms.Model, reuse reuse) error {
	for _, m := range marts {
		n := martName(m)
		out := filepath.Join(dir, n)
		if from := reuse.parquet[n]; from != "" {
			err := linkTree(from, out)
			if err == nil {
				continue
			}
			p.log.Warn().Err(err).Str("mart", n).Msg("could not link the last version's Parquet; writing it again")
			if err := os.RemoveAll(out); err != nil {
				return err
			}
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		var has bool
		if err := conn.QueryRowContext(ctx, `SELECT count(*) > 0 FROM information_schema.columns
			WHERE table_schema = 'mart' AND table_name = ? AND column_name = 'time_period'`, n).Scan(&has); err != nil {
			return err
		}
		var q string
		if has {
			q = fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (FORMAT parquet, PARTITION_BY (time_period), OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'part_{i}')",
				m.Name, sqlString(out))
		} else {
			q = fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (FORMAT parquet)", m.Name, sqlString(filepath.Join(out, n+".parquet")))
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	return nil
}

// syncTree flushes every file and folder under dir to disk, so that the
// rename that publishes it never points at data still in the page cache.
func syncTree(dir string) error {
	return filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}

// swapCurrent makes version current with one atomic rename, then makes
// sure the stable links exist.
func swapCurrent(pub, version string) error {
	tmp := filepath.Join(pub, currentLink+".new")
	os.Remove(tmp)
	if err := os.Symlink(filepath.Join(versionsDir, version), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(pub, currentLink)); err != nil {
		return err
	}
	for _, name := range stableLinks {
		l := filepath.Join(pub, name)
		want := filepath.Join(currentLink, name)
		if t, err := os.Readlink(l); err == nil && t == want {
			continue
		}
		if st, err := os.Lstat(l); err == nil && st.Mode()&os.ModeSymlink == 0 {
			return fmt.Errorf("%s exists and is not edwh's link; move it away", l)
		}
		os.Remove(l)
		if err := os.Symlink(want, l); err != nil {
			return err
		}
	}
	d, err := os.Open(pub)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// gc removes all but the newest versions, never the current one. A reader
// that still has an old snapshot open keeps reading it: the file is gone
// from the folder, not from the reader.
func (p *publisher) gc(pub, current string) {
	entries, err := os.ReadDir(filepath.Join(pub, versionsDir))
	if err != nil {
		return
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	keep := p.cfg.KeepVersions
	for i, n := range names {
		if i < keep || n == current {
			continue
		}
		if err := os.RemoveAll(filepath.Join(pub, versionsDir, n)); err != nil {
			p.log.Warn().Err(err).Str("version", n).Msg("could not remove an old published version")
		}
	}
}
