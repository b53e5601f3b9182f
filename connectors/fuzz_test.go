package connectors_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// The fuzz targets run their seed corpus (below, and testdata/fuzz/) in
// every `go test`; `go test -tags duckdb_arrow -fuzz=FuzzLoadCSV ./connectors/`
// explores further, and any input that fails is kept in testdata/fuzz.

func FuzzHeaderMapping(f *testing.F) {
	for _, s := range []string{"UPN,LAESTAB,CensusDate", "  upn ,census_date,\ufeffSEN provision", "UPN,UPN", "", ",,,", "\"a\",'b'", "LA (code),EstablishmentNumber"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cols := strings.Split(line, ",")
		for _, c := range cols {
			n := connectors.NormalizeHeader(c)
			if connectors.NormalizeHeader(n) != n {
				t.Fatalf("NormalizeHeader is not idempotent on %q", c)
			}
		}
		m, err := connectors.MapHeader(census.Source, cols, map[string][]string{"upn": {"pupil id"}})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, f := range m.Columns {
			if f != "" && seen[f] {
				t.Fatalf("field %s mapped twice", f)
			}
			seen[f] = true
		}
		_ = m.Missing(census.Source)
	})
}

// fuzzDB is one database per fuzzing process: opening one per input would
// make each execution take a second instead of milliseconds.
var (
	fuzzOnce sync.Once
	fuzzConn *sql.Conn
)

func fuzzDatabase(t *testing.T) (*sql.Conn, context.Context) {
	ctx := context.Background()
	fuzzOnce.Do(func() {
		db, err := warehouse.Open("", warehouse.Options{Threads: 1})
		if err != nil {
			panic(err)
		}
		if fuzzConn, err = db.Conn(ctx); err != nil {
			panic(err)
		}
		if err := warehouse.Migrate(ctx, fuzzConn); err != nil {
			panic(err)
		}
	})
	return fuzzConn, ctx
}

func FuzzLoadCSV(f *testing.F) {
	hdr := "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,Ethnicity\n"
	for _, s := range []string{
		upn1 + ",8512001,17/01/2019,5,N,0,WBRI\n",
		upn1 + ",8512001,17/01/2019,5,N,0,\"WB\nRI\"\n\n" + upn2 + ",8512001,17/01/2019,R,K,1,WBRI",
		"\"unterminated,8512001\n" + upn1 + ",8512001,17/01/2019,5,N,0,WBRI\n",
		upn1 + ",8512001,17/01/2019,5,N,0,WBRI,extra,extra\n,\n\n\n",
		"\xff\xfe\x00garbage\r\n\r\n",
		"a\"b,c\"d\"\",e\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		conn, ctx := fuzzDatabase(t)
		dir := t.TempDir()
		p := filepath.Join(dir, "f.csv")
		os.WriteFile(p, append([]byte(hdr), body...), 0o644)
		l := &connectors.Loader{Source: census.Source, TempDir: dir, MaxLineSize: 1 << 16}
		res, err := l.Load(ctx, conn, 1, connectors.File{Path: p, Rel: "census/f.csv", Size: int64(len(hdr) + len(body))})
		if err != nil {
			t.Fatalf("load failed: %v", err)
		}
		if res.Status == connectors.StatusLoaded && res.RowsRead != res.RowsLoaded+res.RowsQuarantined {
			t.Fatalf("read %d != loaded %d + quarantined %d", res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
		}
		// Every quarantined row names a line within the file.
		lines := int64(bytes.Count(body, []byte("\n")) + 2)
		rows, _ := conn.QueryContext(ctx, `SELECT coalesce(line, -1) FROM ops.quarantine WHERE load_id = ?`, res.LoadID)
		defer rows.Close()
		for rows.Next() {
			var line int64
			rows.Scan(&line)
			if line < 2 || line > lines {
				t.Fatalf("quarantine line %d outside the file's %d lines", line, lines)
			}
		}
	})
}

func FuzzLoadXLSX(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("not a workbook"))
	if b, err := os.ReadFile("../../shared/data/dfe/statistical-neighbours/la_code_list.xlsx"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		conn, ctx := fuzzDatabase(t)
		dir := t.TempDir()
		p := filepath.Join(dir, "f.xlsx")
		os.WriteFile(p, body, 0o644)
		l := &connectors.Loader{Source: census.Source, TempDir: dir, XLSX: connectors.XLSXLimits{UnzipSize: 8 << 20, UnzipXMLSize: 4 << 20}}
		res, err := l.Load(ctx, conn, 1, connectors.File{Path: p, Rel: "census/f.xlsx", Size: int64(len(body))})
		if err != nil {
			t.Fatalf("load failed: %v", err)
		}
		// The database is shared by every input of the process, and the
		// fuzzer repeats inputs: the same bytes again are seen, not loaded.
		switch res.Status {
		case connectors.StatusRefused, connectors.StatusLoaded, connectors.StatusSeen, connectors.StatusDuplicate:
		default:
			t.Fatalf("status %s", res.Status)
		}
	})
}
