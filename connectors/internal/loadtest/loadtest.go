// Package loadtest holds what the tests of the pupil-level connectors share:
// an in-memory working database, fixture files, loading them, reading back
// the quarantine, and building the SQL models over what was loaded.
package loadtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
	edwhsql "github.com/edwh/edwh/sql"
	"github.com/edwh/edwh/transforms"
)

// Valid UPNs (check letters computed by the DfE algorithm), a valid
// temporary UPN (last character a letter) and one with a wrong check
// letter.
const (
	UPN1    = "B801200005001"
	UPN2    = "H851200101001"
	UPN3    = "X851200101002"
	UPN4    = "L851200101003"
	UPN5    = "A851200101004"
	UPN6    = "P851200101005"
	UPN7    = "D851200101006"
	UPN8    = "T851200101007"
	UPNTemp = "U85120010100A"
	BadUPN  = "A801200005001"
)

// UPN returns the n-th of a series of valid permanent UPNs (n from 0 to
// 999), for fixtures that need many pupils. The check letter follows the
// DfE algorithm (see edwh_upn_check_letter in sql/macros.sql).
func UPN(n int) string {
	body := fmt.Sprintf("85120021%01d%03d", (n/1000)%10, n%1000)
	const alphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"
	sum := 0
	for i, c := range body { // characters 2..13 are weighted 2..13
		sum += int(c-'0') * (i + 2)
	}
	return string(alphabet[sum%23]) + body
}

// DB is one in-memory working database with its operational schema, every
// source's raw table, the model parameters at their defaults and a test
// pseudonymisation key.
type DB struct {
	Conn *sql.Conn
	Ctx  context.Context
	t    testing.TB
}

// Open opens a fresh database for t.
func Open(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open("", warehouse.Options{Threads: 2})
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
	for _, s := range pipeline.Sources() {
		if err := connectors.EnsureTable(ctx, conn, s); err != nil {
			t.Fatal(err)
		}
	}
	d := &DB{Conn: conn, Ctx: ctx, t: t}
	for _, p := range pipeline.Parameters {
		d.Exec(fmt.Sprintf("SET VARIABLE edwh_%s = CAST(%v AS DOUBLE)", p.Name, p.Default))
	}
	// Not the HMAC the pipeline defines (pipeline/secret.go), but as
	// opaque: tests need a stable key, not a secret one.
	d.Exec(`CREATE OR REPLACE TEMP MACRO edwh_pupil_key(u) AS sha256('test-key:' || u)`)
	return d
}

// Exec runs statements, failing the test on error.
func (d *DB) Exec(stmts ...string) {
	d.t.Helper()
	for _, s := range stmts {
		if _, err := d.Conn.ExecContext(d.Ctx, s); err != nil {
			d.t.Fatalf("%s: %v", s, err)
		}
	}
}

// Int returns the single integer a query returns (0 for NULL).
func (d *DB) Int(q string, args ...any) int64 {
	d.t.Helper()
	var n sql.NullInt64
	if err := d.Conn.QueryRowContext(d.Ctx, q, args...).Scan(&n); err != nil {
		d.t.Fatalf("%s: %v", q, err)
	}
	return n.Int64
}

// Float returns the single number a query returns, and whether it was not
// NULL.
func (d *DB) Float(q string, args ...any) (float64, bool) {
	d.t.Helper()
	var f sql.NullFloat64
	if err := d.Conn.QueryRowContext(d.Ctx, q, args...).Scan(&f); err != nil {
		d.t.Fatalf("%s: %v", q, err)
	}
	return f.Float64, f.Valid
}

// String returns the single value a query returns as text ("NULL" for
// NULL), so that tests can compare any type.
func (d *DB) String(q string, args ...any) string {
	d.t.Helper()
	var s sql.NullString
	if err := d.Conn.QueryRowContext(d.Ctx, "SELECT CAST(("+q+") AS VARCHAR)", args...).Scan(&s); err != nil {
		d.t.Fatalf("%s: %v", q, err)
	}
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// NullsShown turns a column list "a, b" into "coalesce(CAST(a AS VARCHAR),
// 'NULL'), ..." so that concat_ws shows NULLs rather than skipping them.
func NullsShown(cols string) string {
	var out []string
	for _, c := range strings.Split(cols, ",") {
		out = append(out, fmt.Sprintf("coalesce(CAST(%s AS VARCHAR), 'NULL')", strings.TrimSpace(c)))
	}
	return strings.Join(out, ", ")
}

// Write writes a fixture file under dir and describes it as found in a
// landing folder.
func Write(t testing.TB, dir, name string, data []byte) connectors.File {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return connectors.File{Path: p, Rel: name, Size: st.Size(), ModTime: st.ModTime()}
}

// XLSX writes a fixture workbook under dir whose first sheet holds rows
// (a nil row is left blank, as hand-kept registers have them).
func XLSX(t testing.TB, dir, name string, rows [][]any) connectors.File {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, name)
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return connectors.File{Path: p, Rel: name, Size: st.Size(), ModTime: st.ModTime()}
}

// Try loads one file of src as the pipeline would, whatever the outcome.
func (d *DB) Try(src *connectors.Source, f connectors.File) *connectors.Result {
	d.t.Helper()
	l := &connectors.Loader{Source: src, TempDir: d.t.TempDir(), Others: pipeline.Sources()}
	res, err := l.Load(d.Ctx, d.Conn, 1, f)
	if err != nil {
		d.t.Fatal(err)
	}
	return res
}

// Load loads one file of src and fails the test unless it loaded.
func (d *DB) Load(src *connectors.Source, f connectors.File) *connectors.Result {
	d.t.Helper()
	res := d.Try(src, f)
	if res.Status != connectors.StatusLoaded {
		d.t.Fatalf("%s: status %s: %v", f.Rel, res.Status, res.Refused)
	}
	if res.RowsRead != res.RowsLoaded+res.RowsQuarantined {
		d.t.Errorf("%s: rows read %d != loaded %d + quarantined %d", f.Rel, res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
	}
	return res
}

// Quarantined is one ops.quarantine row.
type Quarantined struct {
	Line   int64
	Column string
	Reason string
	Action string // row (quarantined), value (nulled) or flag (kept)
}

func (q Quarantined) String() string {
	return fmt.Sprintf("line %d %s %s: %s", q.Line, q.Column, q.Action, q.Reason)
}

// Quarantine returns the quarantine rows of a load, by line and column.
func (d *DB) Quarantine(loadID int64) []Quarantined {
	d.t.Helper()
	rows, err := d.Conn.QueryContext(d.Ctx, `SELECT line, coalesce("column", ''), reason, action
		FROM ops.quarantine WHERE load_id = ? ORDER BY line, "column", reason`, loadID)
	if err != nil {
		d.t.Fatal(err)
	}
	defer rows.Close()
	var out []Quarantined
	for rows.Next() {
		var q Quarantined
		if err := rows.Scan(&q.Line, &q.Column, &q.Reason, &q.Action); err != nil {
			d.t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

// Want is an expected quarantine row: the reason need only start with
// Reason.
type Want = Quarantined

// CheckQuarantine compares a load's quarantine rows with want.
func (d *DB) CheckQuarantine(loadID int64, want []Want) {
	d.t.Helper()
	got := d.Quarantine(loadID)
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		g, w := got[i], want[i]
		ok = g.Line == w.Line && g.Column == w.Column && g.Action == w.Action && strings.HasPrefix(g.Reason, w.Reason)
	}
	if !ok {
		d.t.Errorf("quarantine:\n got %v\nwant %v", got, want)
	}
}

// Targets are the models the pupil-level sources feed. Tests build them and
// the models they depend on, not the whole project, so that models of
// sources still being written elsewhere cannot break them.
var Targets = []string{"mart.attainment", "mart.attendance", "mart.exclusions", "mart.schools", "stg.audit", "stg.interventions"}

// Models builds the Targets and every model they depend on, over what has
// been loaded, in the pipeline's order, then runs their checks and the
// custom checks (a custom check that reads a table outside this set is
// skipped). It returns the checks that did not pass, by name, with the
// number of failing rows; a failing check that would block a run fails the
// test unless allowed lists it.
func (d *DB) Models(allowed ...string) map[string]int64 {
	d.t.Helper()
	all, err := transforms.Load(edwhsql.FS)
	if err != nil {
		d.t.Fatal(err)
	}
	need := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		m := all.Model(name)
		if m == nil || need[name] {
			return
		}
		need[name] = true
		for _, dep := range m.Depends {
			visit(dep)
		}
	}
	for _, t := range Targets {
		if all.Model(t) == nil {
			d.t.Fatalf("no model %s", t)
		}
		visit(t)
	}
	p := &transforms.Project{}
	for _, m := range all.Models {
		if need[m.Name] {
			p.Models = append(p.Models, m)
		}
	}
	for _, c := range all.Checks {
		if c.Model == "" || need[c.Model] {
			p.Checks = append(p.Checks, c)
		}
	}
	if err := p.Verify(d.Ctx, d.Conn); err != nil {
		d.t.Fatal(err)
	}
	res, err := p.Run(d.Ctx, d.Conn, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	out := map[string]int64{}
	var blocking []string
	for _, c := range res.Checks {
		if c.Status == "pass" || (c.Status == "error" && c.Check.Model == "" && strings.Contains(c.Err.Error(), "does not exist")) {
			continue
		}
		out[c.Check.Name] = c.FailingRows
		if c.Blocking() && !ok[c.Check.Name] {
			blocking = append(blocking, fmt.Sprintf("%s: %s %d rows %v", c.Check.Name, c.Status, c.FailingRows, c.Err))
		}
	}
	sort.Strings(blocking)
	if len(blocking) > 0 {
		d.t.Errorf("blocking checks failed:\n%s", strings.Join(blocking, "\n"))
	}
	return out
}
