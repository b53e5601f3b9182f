// Package conntest helps tests load files with the connectors: an
// in-memory working database, and the real DfE files kept beside the
// repository (../shared/data/dfe from the module root), read in place.
package conntest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// DB opens an in-memory working database with the operational schema and
// returns one connection to it, closed when the test ends.
func DB(t testing.TB) (*sql.Conn, context.Context) {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := warehouse.Migrate(ctx, conn); err != nil {
		t.Fatal(err)
	}
	return conn, ctx
}

// DataDir is the folder of real DfE files, or "" when it is not there.
func DataDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "data", "dfe")
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return d
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// RealFile is a real DfE file, by its path under the data folder, as a
// landing file whose landing-relative path is rel (which carries the year,
// for sources that take it from the path). The test is skipped when the
// file is not available.
func RealFile(t testing.TB, name, rel string) connectors.File {
	t.Helper()
	d := DataDir()
	if d == "" {
		t.Skip("real DfE files not available (../shared/data/dfe)")
	}
	p, err := filepath.Abs(filepath.Join(d, name))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Skipf("real DfE file %s not available: %v", name, err)
	}
	return connectors.File{Path: p, Rel: rel, Size: st.Size(), ModTime: st.ModTime()}
}

// Load loads f with src and fails the test unless the file loaded.
func Load(t testing.TB, ctx context.Context, conn *sql.Conn, src *connectors.Source, f connectors.File) *connectors.Result {
	t.Helper()
	l := &connectors.Loader{Source: src, TempDir: t.TempDir()}
	res, err := l.Load(ctx, conn, 1, f)
	if err != nil {
		t.Fatalf("loading %s: %v", f.Rel, err)
	}
	if res.Status != connectors.StatusLoaded {
		t.Fatalf("%s: status %s: %v", f.Rel, res.Status, res.Refused)
	}
	if res.RowsRead != res.RowsLoaded+res.RowsQuarantined {
		t.Errorf("%s: rows read %d != loaded %d + quarantined %d", f.Rel, res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
	}
	return res
}

// Problem is one ops.quarantine row.
type Problem struct {
	Line   int64
	Column string
	Value  string
	Reason string
	Action string
}

// Problems lists what a load quarantined or nulled, by line and column.
func Problems(t testing.TB, ctx context.Context, conn *sql.Conn, loadID int64) []Problem {
	t.Helper()
	rows, err := conn.QueryContext(ctx, `SELECT coalesce(line, 0), coalesce("column", ''), coalesce(value, ''), reason, action
		FROM ops.quarantine WHERE load_id = ? ORDER BY line, "column"`, loadID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Problem
	for rows.Next() {
		var p Problem
		if err := rows.Scan(&p.Line, &p.Column, &p.Value, &p.Reason, &p.Action); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}
