// Package warehouse opens DuckDB databases the way edwh needs them: every
// connection gets edwh's helper macros, the memory limit and the spill folder,
// and the working database gets its operational schema.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	edwhsql "github.com/edwh/edwh/sql"
)

// Options tune a database. Zero values take DuckDB's defaults.
type Options struct {
	// MemoryLimit caps DuckDB's memory, e.g. "4GB".
	MemoryLimit string
	// Threads caps DuckDB's worker threads.
	Threads int
	// TempDir is where DuckDB spills when memory runs short.
	TempDir string
	// ReadOnly opens the file read-only (for reading a published snapshot).
	ReadOnly bool
	// Init runs after the macros on every new connection, e.g. to set the
	// pseudonymisation key variables.
	Init func(ctx context.Context, ex driver.ExecerContext) error
}

// Open opens (creating if needed) the DuckDB database at path; "" is an
// in-memory database. Every connection of the returned pool defines edwh's
// macros, so callers may use any connection.
func Open(path string, o Options) (*sql.DB, error) {
	dsn := path
	q := url.Values{}
	if o.ReadOnly {
		q.Set("access_mode", "read_only")
	}
	if len(q) > 0 {
		dsn += "?" + q.Encode()
	}
	macros, err := fs.ReadFile(edwhsql.FS, "macros.sql")
	if err != nil {
		return nil, err
	}
	stmts := splitStatements(string(macros))
	var settings []string
	if o.MemoryLimit != "" {
		settings = append(settings, fmt.Sprintf("SET memory_limit = '%s'", strings.ReplaceAll(o.MemoryLimit, "'", "")))
	}
	if o.Threads > 0 {
		settings = append(settings, fmt.Sprintf("SET threads = %d", o.Threads))
	}
	if o.TempDir != "" {
		settings = append(settings, fmt.Sprintf("SET temp_directory = '%s'", strings.ReplaceAll(o.TempDir, "'", "''")))
	}
	connector, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		ctx := context.Background()
		for _, s := range append(settings, stmts...) {
			if _, err := ex.ExecContext(ctx, s, nil); err != nil {
				return fmt.Errorf("initialising connection: %w", err)
			}
		}
		if o.Init != nil {
			return o.Init(ctx, ex)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector), nil
}

// Migrate creates or upgrades the operational schema of a working database.
// Every file in sql/ops runs, in name order; each is idempotent.
func Migrate(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}) error {
	names, err := fs.Glob(edwhsql.FS, "ops/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(edwhsql.FS, n)
		if err != nil {
			return err
		}
		for _, s := range splitStatements(string(b)) {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
		}
	}
	return nil
}

// splitStatements splits a SQL script on semicolons that end a line, which
// is how edwh's own scripts are written; comments are kept with the next
// statement.
func splitStatements(script string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(script, "\n") {
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			if s := strings.TrimSpace(cur.String()); !onlyComments(s) {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" && !onlyComments(s) {
		out = append(out, s)
	}
	return out
}

func onlyComments(s string) bool {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "--") {
			return false
		}
	}
	return true
}
