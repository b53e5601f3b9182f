package connectors

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline/warehouse"
)

// Every way a load numbers its lines gives the same lines: row ids and a
// CASE tree (the usual), row ids and a join on the segments (many blank
// lines, multi-line values or rejects), the reader's own numbering (when
// the database does not keep insertion order), and the wide path.

// workingDB opens an in-memory working database with the operational
// schema, runs the given statements on it, and returns one connection
// (conntest.DB does the same for the source packages; this package's own
// tests cannot import it).
func workingDB(t *testing.T, settings ...string) (*sql.Conn, context.Context) {
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
	for _, s := range settings {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return conn, ctx
}

func linesSource(wide bool) *Source {
	return &Source{
		Name:  "lines",
		Table: "raw.lines",
		Wide:  wide,
		Fields: []Field{
			{Name: "upn", Header: "UPN", Kind: UPN, Required: true, Identifying: true},
			{Name: "census_date", Header: "CensusDate", Kind: Date, Required: true},
			{Name: "ethnicity", Header: "Ethnicity", Kind: Code, KeepUnknown: true, Codes: []string{"WBRI"}},
			{Name: "fsm", Header: "FSM", Kind: Bool},
		},
	}
}

// The valid UPNs of load_test.go.
const (
	lineUPN1 = "B801200005001"
	lineUPN2 = "H851200101001"
	lineUPN3 = "X851200101002"
)

var linesFile = "UPN,CensusDate,Ethnicity,FSM\n" + // 1
	lineUPN1 + ",17/01/2019,WBRI,0\n" + // 2
	"\n" + // 3 blank
	lineUPN2 + ",17/01/2019,\"WB\nRI\",1\n" + // 4-5 multi-line value (odd code, flagged)
	lineUPN3 + ",17/01/2019,WBRI,0,extra\n" + // 6 too many values
	lineUPN3 + ",17/01/2019\n" + // 7 too few
	"A801200005001,17/01/2019,WBRI,0\n" + // 8 bad UPN
	"\n\n" + // 9-10 blank
	lineUPN3 + ",17/01/2019,WBRI,x\n" + // 11 bad optional value
	lineUPN1 + ",31/02/2019,WBRI,1\n" + // 12 bad date
	lineUPN2 + ",18/01/2019,WBRI,1\n" // 13

func TestLineNumberingPaths(t *testing.T) {
	for _, tc := range []struct {
		name     string
		wide     bool
		maxCase  int
		settings []string
	}{
		{name: "row ids, CASE tree"},
		{name: "row ids, segments joined", maxCase: -1},
		{name: "numbered by the reader", settings: []string{"SET preserve_insertion_order = false"}},
		{name: "numbered by the reader, segments joined", maxCase: -1, settings: []string{"SET preserve_insertion_order = false"}},
		{name: "wide", wide: true},
		{name: "wide, segments joined", wide: true, maxCase: -1},
		{name: "wide, numbered by the reader", wide: true, settings: []string{"SET preserve_insertion_order = false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.maxCase != 0 {
				defer func(n int) { maxCaseSegments = n }(maxCaseSegments)
				maxCaseSegments = tc.maxCase
			}
			conn, ctx := workingDB(t, tc.settings...)
			dir := t.TempDir()
			p := filepath.Join(dir, "lines.csv")
			if err := os.WriteFile(p, []byte(linesFile), 0o644); err != nil {
				t.Fatal(err)
			}
			l := &Loader{Source: linesSource(tc.wide), TempDir: dir}
			res, err := l.Load(ctx, conn, 1, File{Path: p, Rel: "lines/lines.csv", Size: int64(len(linesFile))})
			if err != nil {
				t.Fatal(err)
			}
			if res.RowsRead != 8 || res.RowsLoaded != 4 || res.RowsQuarantined != 4 || res.ValuesNulled != 2 {
				t.Errorf("read/loaded/quarantined/nulled %d/%d/%d/%d, want 8/4/4/2", res.RowsRead, res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled)
			}
			var lines, wideLines, q string
			if err := conn.QueryRowContext(ctx, `SELECT string_agg(_line || ':' || upn, ',' ORDER BY _line) FROM raw.lines`).Scan(&lines); err != nil {
				t.Fatal(err)
			}
			if want := "2:" + lineUPN1 + ",4:" + lineUPN2 + ",11:" + lineUPN3 + ",13:" + lineUPN2; lines != want {
				t.Errorf("loaded lines %s, want %s", lines, want)
			}
			if tc.wide {
				if err := conn.QueryRowContext(ctx, `SELECT string_agg(_line || ':' || upn, ',' ORDER BY _line) FROM raw.lines_wide`).Scan(&wideLines); err != nil {
					t.Fatal(err)
				}
				if wideLines != lines {
					t.Errorf("wide lines %s, raw lines %s", wideLines, lines)
				}
			}
			if err := conn.QueryRowContext(ctx, `SELECT string_agg(line || ' ' || coalesce("column", '') || ' ' || action, ', ' ORDER BY line, "column")
				FROM ops.quarantine`).Scan(&q); err != nil {
				t.Fatal(err)
			}
			if want := "4 Ethnicity flag, 6  row, 7 Ethnicity row, 8 UPN row, 11 FSM value, 12 CensusDate row"; q != want {
				t.Errorf("quarantine %s\nwant       %s", q, want)
			}
		})
	}
}

// A load's quarantined rows never reach the raw view: however the process
// stops once the load has committed, the view holds each load's good rows
// and nothing else (pipeline.TestKillAsALoadCommits kills a run at that
// point). A load of less than a row group deletes them before it commits; a
// larger one leaves them flagged in the store table, for DeleteQuarantined.
// Every path: direct and wide, numbered by row id or as read.
func TestQuarantinedRowsNeverCommitToRaw(t *testing.T) {
	// A file of more than a row group, with a bad UPN every 40,000 rows.
	var big strings.Builder
	big.WriteString(linesFile)
	for i := range rowGroupRows + 10 {
		if i%40_000 == 0 {
			big.WriteString("A801200005001,17/01/2019,WBRI,0\n")
		} else {
			big.WriteString(lineUPN1 + ",17/01/2019,WBRI,0\n")
		}
	}
	for _, tc := range []struct {
		name     string
		wide     bool
		settings []string
		file     string
		flagged  int64 // quarantined rows the load leaves flagged in the store table
	}{
		{"direct", false, nil, linesFile, 0},
		{"direct-unordered", false, []string{"SET preserve_insertion_order = false"}, linesFile, 0},
		{"direct, a row group or more", false, nil, big.String(), 2 + 4},
		{"wide", true, nil, linesFile, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, ctx := workingDB(t, tc.settings...)
			dir := t.TempDir()
			p := filepath.Join(dir, "lines.csv")
			if err := os.WriteFile(p, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			l := &Loader{Source: linesSource(tc.wide), TempDir: dir}
			res, err := l.Load(ctx, conn, 1, File{Path: p, Rel: "lines/lines.csv", Size: int64(len(tc.file))})
			if err != nil {
				t.Fatal(err)
			}
			if res.RowsQuarantined == 0 || res.RowsRead != res.RowsLoaded+res.RowsQuarantined || res.Flagged != tc.flagged {
				t.Fatalf("%d flagged, want %d: %+v", res.Flagged, tc.flagged, res)
			}
			// What a reader finds in the view: the loaded rows and no
			// other. (What a kill just after the commit leaves is
			// pipeline.TestKillAsALoadCommits's.)
			var n, bad int64
			if err := conn.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE list_contains(list_transform(_problems, x -> x.action), 'row')) FROM raw.lines`).
				Scan(&n, &bad); err != nil {
				t.Fatal(err)
			}
			if n != res.RowsLoaded || bad != 0 {
				t.Errorf("raw.lines has %d rows, %d of them quarantined; want %d, none", n, bad, res.RowsLoaded)
			}
			// The store table holds the rows a large load left flagged,
			// until DeleteQuarantined.
			var flagged int64
			if err := conn.QueryRowContext(ctx, `SELECT count(*), count(_quarantined) FROM raw_rows.lines`).Scan(&n, &flagged); err != nil {
				t.Fatal(err)
			}
			if n != res.RowsLoaded+tc.flagged || flagged != tc.flagged {
				t.Errorf("raw_rows.lines has %d rows, %d of them flagged quarantined; want %d, %d", n, flagged, res.RowsLoaded+tc.flagged, tc.flagged)
			}
			if err := DeleteQuarantined(ctx, conn, l.Source); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(ctx, `SELECT count(*), count(_quarantined) FROM raw_rows.lines`).Scan(&n, &flagged); err != nil {
				t.Fatal(err)
			}
			if n != res.RowsLoaded || flagged != 0 {
				t.Errorf("after DeleteQuarantined, raw_rows.lines has %d rows, %d flagged; want %d, none", n, flagged, res.RowsLoaded)
			}
		})
	}
}

// A file with more segments than a CASE tree takes is numbered through a
// join, every line right.
func TestManySegments(t *testing.T) {
	conn, ctx := workingDB(t)
	var b strings.Builder
	b.WriteString("UPN,CensusDate\n")
	upns := []string{lineUPN1, lineUPN2, lineUPN3}
	const n = 5000
	want := make([]string, 0, n)
	line := 2
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s,17/01/2019\n", upns[i%3])
		want = append(want, fmt.Sprint(line))
		line++
		if i%2 == 0 { // a blank line after every other record: 2,500 segments
			b.WriteString("\n")
			line++
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "many.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src := linesSource(false)
	src.Fields = src.Fields[:2]
	l := &Loader{Source: src, TempDir: dir}
	res, err := l.Load(ctx, conn, 1, File{Path: p, Rel: "lines/many.csv", Size: int64(b.Len())})
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsLoaded != n {
		t.Fatalf("%+v", res)
	}
	var got string
	if err := conn.QueryRowContext(ctx, `SELECT string_agg(CAST(_line AS VARCHAR), ',' ORDER BY _line) FROM raw.lines`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != strings.Join(want, ",") {
		t.Errorf("lines differ: got %.200s...", got)
	}
}
