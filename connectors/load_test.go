package connectors_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/establishments"
	"github.com/edwh/edwh/connectors/perfcensus"
)

// Valid UPNs (check letters computed by the DfE algorithm).
const (
	upn1 = "B801200005001"
	upn2 = "H851200101001"
	upn3 = "X851200101002"
)

func writeFile(t *testing.T, dir, name string, data []byte) connectors.File {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	return connectors.File{Path: p, Rel: name, Size: st.Size(), ModTime: st.ModTime()}
}

func loader(t *testing.T) *connectors.Loader {
	return &connectors.Loader{Source: census.Source, TempDir: t.TempDir(),
		Others: []*connectors.Source{census.Source, establishments.Source, perfcensus.Source}}
}

type qrow struct {
	Line   int64
	Column string
	Reason string
	Action string
}

func quarantined(t *testing.T, ctx context.Context, conn *sql.Conn, loadID int64) []qrow {
	rows, err := conn.QueryContext(ctx, `SELECT line, "column", reason, action FROM ops.quarantine WHERE load_id = ? ORDER BY line, "column"`, loadID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []qrow
	for rows.Next() {
		var q qrow
		var col sql.NullString
		rows.Scan(&q.Line, &col, &q.Reason, &q.Action)
		q.Column = col.String
		out = append(out, q)
	}
	return out
}

const censusHeader = "UPN,Surname,Forename,LAESTAB,CensusDate,NCyearActual,Gender,DOB,Ethnicity,FirstLanguage,SENprovision,SENPrimaryNeed,FSMeligible,EverFSM6,LookedAfter,AdoptedFromCare,Postcode\n"

func TestLoadCensus(t *testing.T) {
	tests := []struct {
		name                       string
		file                       string
		data                       []byte
		read, loaded, quar, nulled int64
		blank                      int64
		want                       []qrow // quarantine rows expected (line, column, reason prefix, action)
		format                     string
	}{
		{
			name: "good rows",
			file: "good.csv",
			data: []byte(censusHeader +
				upn1 + ",Smith,Ann,8512001,17/01/2019,5,F,2009-05-01,WBRI,ENG,N,,0,0,0,0,PO1 1AA\n" +
				upn2 + ",Jones,Bob,8512001,2019-01-17,R,M,01/06/2014,APKN,URD,K,SLCN,1,1,0,0,PO1 1AB\n"),
			read: 2, loaded: 2, format: "csv utf-8 comma",
		},
		{
			name: "bad rows quarantined with line and column, bad optional values nulled",
			file: "bad.csv",
			data: []byte(censusHeader +
				upn1 + ",S,A,8512001,17/01/2019,5,F,2009-05-01,WBRI,ENG,N,,0,0,0,0,X\n" +
				"A801200005001,S,A,8512001,17/01/2019,5,F,2009-05-01,WBRI,ENG,N,,0,0,0,0,X\n" + // check letter
				upn2 + ",S,A,8512001,31/02/2019,5,F,2009-05-01,WBRI,ENG,N,,0,0,0,0,X\n" + // impossible date
				upn3 + ",S,A,8512001,17/01/2019,5,F,2009-13-45,WXYZ,ENG,Z,,0,0,0,0,X\n" + // bad SEN; bad DOB, odd ethnicity
				upn3 + ",S,A,,17/01/2019,5,F,,,ENG,N,,0,0,0,0,X\n"), // no school key
			read: 5, loaded: 1, quar: 4,
			want: []qrow{
				{3, "UPN", "UPN check letter is wrong", "row"},
				{4, "CensusDate", "not a date", "row"},
				{5, "DOB", "not a date", "value"}, // recorded, though the row is quarantined for SENprovision
				{5, "Ethnicity", "unknown code", "flag"},
				{5, "SENprovision", "not a valid code", "row"},
				{6, "LAESTAB", "no valid school key", "row"},
			},
		},
		{
			name: "legacy SEN codes and header spellings",
			file: "legacy.csv",
			data: []byte("upn, la ,ESTAB,Census Date,NC_Year_Actual,SEN provision,FSM eligible\n" +
				upn1 + ",851,2001,17/01/2013,5,S,Y\n" + upn2 + ",851,2001,17/01/2013,5,A,N\n"),
			read: 2, loaded: 2,
		},
		{
			name: "BOM and CRLF",
			file: "bom.csv",
			data: []byte("\xef\xbb\xbf" + strings.ReplaceAll(censusHeader+upn1+",S,A,8512001,17/01/2019,5,F,,,,N,,0,,,,\n", "\n", "\r\n")),
			read: 1, loaded: 1, format: "csv utf-8-bom comma",
		},
		{
			name: "Windows-1252",
			file: "cp1252.csv",
			data: []byte(censusHeader + upn1 + ",Ren\xe9e,Zo\xeb,8512001,17/01/2019,5,F,,,Fran\xe7ais,N,,0,,,,\n"),
			read: 1, loaded: 1, format: "csv windows-1252 comma",
		},
		{
			name: "tab separated with title rows",
			file: "tabs.txt",
			data: []byte("School census export\nPrinted 17/01/2019\n\nUPN\tLAESTAB\tCensusDate\tNCyearActual\tSENprovision\tFSMeligible\n" +
				upn1 + "\t8512001\t17/01/2019\t5\tN\t0\n"),
			read: 1, loaded: 1, format: "csv utf-8 tab",
		},
		{
			name: "malformed CSV: extra and missing values, blank lines, multi-line value, broken quote",
			file: "malformed.csv",
			data: []byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,Ethnicity\n" + // line 1
				upn1 + ",8512001,17/01/2019,5,N,0,WBRI\n" + // 2
				"\n" + // 3 blank
				upn2 + ",8512001,17/01/2019,5,N,0,\"WB\nRI\"\n" + // 4-5 multi-line value (odd code, flagged)
				upn3 + ",8512001,17/01/2019,5,N,0,WBRI,extra\n" + // 6 too many
				upn3 + ",8512001\n" + // 7 too few
				"A801200005001,8512001,17/01/2019,5,N,0,WBRI\n" + // 8 bad UPN
				upn3 + ",8512001,17/01/2019,6,N,1,WBRI\n"), // 9 good
			read: 6, loaded: 3, quar: 3, blank: 1,
			want: []qrow{
				{4, "Ethnicity", "unknown code", "flag"},
				{6, "", "more values than the header", "row"},
				{7, "CensusDate", "fewer values", "row"}, // the first column with no value
				{8, "UPN", "UPN check letter", "row"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			f := writeFile(t, t.TempDir(), tt.file, tt.data)
			res, err := loader(t).Load(ctx, conn, 1, f)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != connectors.StatusLoaded {
				t.Fatalf("status %s: %v", res.Status, res.Refused)
			}
			if res.RowsRead != tt.read || res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quar {
				t.Errorf("read/loaded/quarantined = %d/%d/%d, want %d/%d/%d",
					res.RowsRead, res.RowsLoaded, res.RowsQuarantined, tt.read, tt.loaded, tt.quar)
			}
			if res.RowsRead != res.RowsLoaded+res.RowsQuarantined {
				t.Errorf("rows read %d != loaded %d + quarantined %d", res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
			}
			if tt.blank != 0 && res.Blank != tt.blank {
				t.Errorf("blank rows %d, want %d", res.Blank, tt.blank)
			}
			if tt.format != "" && res.Format != tt.format {
				t.Errorf("format %q, want %q", res.Format, tt.format)
			}
			if len(res.Notes) > 0 {
				t.Errorf("notes: %v", res.Notes)
			}
			if tt.want != nil {
				got := quarantined(t, ctx, conn, res.LoadID)
				if len(got) != len(tt.want) {
					t.Fatalf("quarantine rows:\n got %+v\nwant %+v", got, tt.want)
				}
				for i, w := range tt.want {
					g := got[i]
					if g.Line != w.Line || g.Column != w.Column || !strings.HasPrefix(g.Reason, w.Reason) || g.Action != w.Action {
						t.Errorf("quarantine %d = %+v, want %+v", i, g, w)
					}
				}
			}
			// Lineage: loaded rows carry their line numbers, and names never load.
			var lines string
			conn.QueryRowContext(ctx, `SELECT string_agg(CAST(_line AS VARCHAR), ',' ORDER BY _line) FROM raw.census WHERE _load_id = ?`, res.LoadID).Scan(&lines)
			if tt.name == "malformed CSV: extra and missing values, blank lines, multi-line value, broken quote" && lines != "2,4,9" {
				t.Errorf("loaded lines %q, want 2,4,9", lines)
			}
			if tt.file == "tabs.txt" && lines != "5" {
				t.Errorf("loaded line %q, want 5", lines)
			}
		})
	}
}

func TestLoadCensusValues(t *testing.T) {
	conn, ctx := conntest.DB(t)
	f := writeFile(t, t.TempDir(), "v.csv", []byte("UPN,LA,ESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,EverFSM6,Ethnicity,FirstLanguage\n"+
		" b801200005001 ,851,2001,17/01/2019,05,S,Y,true,wbri,Fran\xe7ais\n"))
	res, err := loader(t).Load(ctx, conn, 1, f)
	if err != nil || res.RowsLoaded != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	var upn, nc, sen, eth, lang string
	var laestab int
	var fsm, ever bool
	var date string
	err = conn.QueryRowContext(ctx, `SELECT upn, laestab, CAST(census_date AS VARCHAR), nc_year, sen_provision, fsm_eligible, ever_fsm6, ethnicity, first_language FROM raw.census`).
		Scan(&upn, &laestab, &date, &nc, &sen, &fsm, &ever, &eth, &lang)
	if err != nil {
		t.Fatal(err)
	}
	if upn != upn1 || laestab != 8512001 || date != "2019-01-17" || nc != "5" || sen != "E" || !fsm || !ever || eth != "WBRI" || lang != "Français" {
		t.Errorf("got %s %d %s %s %s %v %v %s %s", upn, laestab, date, nc, sen, fsm, ever, eth, lang)
	}
	// Identifying columns never reach the raw table.
	var n int
	conn.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'census' AND column_name IN ('surname','forename','postcode','dob_text')`).Scan(&n)
	if n != 0 {
		t.Errorf("identifying columns stored: %d", n)
	}
}

func TestLoadRefusesAndSkips(t *testing.T) {
	real := "../../shared/data/dfe/performance-tables-2018-19/england_census.csv"
	tests := []struct {
		name   string
		file   string
		data   []byte
		from   string // copy a real file instead
		status string
		err    error
		hint   string
	}{
		{name: "empty file", file: "e.csv", data: []byte{}, status: "refused", err: connectors.ErrEmptyFile},
		{name: "header only", file: "h.csv", data: []byte(censusHeader), status: "loaded"},
		{name: "binary garbage", file: "g.csv", data: []byte("\x00\x01\x02\x03garbage\x00\xff\xfe"), status: "refused", err: connectors.ErrBinary},
		{name: "missing mandatory columns", file: "m.csv", data: []byte("UPN,LAESTAB,Gender\n" + upn1 + ",8512001,F\n"),
			status: "refused", err: connectors.ErrNoHeader, hint: "CensusDate"},
		{name: "duplicate headers", file: "d.csv", data: []byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,upn\n"),
			status: "refused", err: connectors.ErrDuplicateColumn},
		{name: "school-level census in the pupil census folder", file: "england_census.csv", from: real,
			status: "refused", err: connectors.ErrWrongSource, hint: "landing/perf_census/"},
		{name: "old xls workbook", file: "old.xls", data: []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), status: "refused", err: connectors.ErrWorkbook},
		{name: "zip that is not a workbook", file: "bomb.xlsx", data: []byte("PK\x03\x04not really"), status: "refused", err: connectors.ErrWorkbook},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			data := tt.data
			if tt.from != "" {
				var err error
				if data, err = os.ReadFile(tt.from); err != nil {
					t.Skip("real DfE file not available: ", err)
				}
			}
			f := writeFile(t, t.TempDir(), tt.file, data)
			res, err := loader(t).Load(ctx, conn, 1, f)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status {
				t.Fatalf("status %q, want %q (%v)", res.Status, tt.status, res.Refused)
			}
			if tt.err != nil && !errors.Is(res.Refused, tt.err) {
				t.Errorf("refused with %v, want %v", res.Refused, tt.err)
			}
			if tt.hint != "" && !strings.Contains(res.Refused.Error(), tt.hint) {
				t.Errorf("message %q does not mention %q", res.Refused, tt.hint)
			}
			var n int
			conn.QueryRowContext(ctx, `SELECT count(*) FROM ops.quarantine`).Scan(&n)
			if n != 0 {
				t.Errorf("%d rows quarantined for a refused file", n)
			}
			var status string
			conn.QueryRowContext(ctx, `SELECT status FROM ops.loads WHERE load_id = ?`, res.LoadID).Scan(&status)
			if status != tt.status {
				t.Errorf("ops.loads status %q", status)
			}
		})
	}
}

func TestLoadTwiceAndSupersede(t *testing.T) {
	conn, ctx := conntest.DB(t)
	dir := t.TempDir()
	l := loader(t)
	body := censusHeader + upn1 + ",S,A,8512001,17/01/2019,5,F,,,,N,,0,,,,\n" + upn2 + ",S,A,8512002,17/01/2019,5,F,,,,N,,0,,,,\n"
	f1 := writeFile(t, dir, "census_2019.csv", []byte(body))
	r1, err := l.Load(ctx, conn, 1, f1)
	if err != nil || r1.Status != connectors.StatusLoaded {
		t.Fatal(err, r1.Status)
	}
	// The same file again: nothing happens, nothing is recorded.
	r2, _ := l.Load(ctx, conn, 2, f1)
	if r2.Status != connectors.StatusSeen || r2.LoadID != 0 {
		t.Errorf("second load: %s %d", r2.Status, r2.LoadID)
	}
	// The same bytes under another name: recorded once as a duplicate.
	f3 := writeFile(t, dir, "copy.csv", []byte(body))
	r3, _ := l.Load(ctx, conn, 2, f3)
	if r3.Status != connectors.StatusDuplicate {
		t.Errorf("copy: %s", r3.Status)
	}
	if r4, _ := l.Load(ctx, conn, 3, f3); r4.Status != connectors.StatusSeen {
		t.Errorf("copy again: %s", r4.Status)
	}
	// A re-issue for one school and census date supersedes the first load's rows for it.
	f5 := writeFile(t, dir, "census_2019_8512001_reissue.csv", []byte(censusHeader+upn1+",S,A,8512001,17/01/2019,5,F,,,,K,MLD,0,,,,\n"))
	r5, err := l.Load(ctx, conn, 3, f5)
	if err != nil {
		t.Fatal(err)
	}
	if len(r5.Supersedes) != 1 || r5.Supersedes[0] != r1.LoadID {
		t.Errorf("supersedes %v, want [%d]", r5.Supersedes, r1.LoadID)
	}
	var n int
	conn.QueryRowContext(ctx, `SELECT count(*) FROM raw.census`).Scan(&n)
	if n != 3 {
		t.Errorf("raw rows %d: history must be kept", n)
	}
}

// A rerun does not read a file again when its stat (size, modification
// and change times, inode) is the one recorded when its bytes were read,
// but any write, even one that keeps the size and sets the modification
// time back, makes it read the file again.
func TestUnchangedFilesAreNotReadAgain(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stat fast path needs a change time")
	}
	conn, ctx := conntest.DB(t)
	dir := t.TempDir()
	l := loader(t)
	body := censusHeader + upn1 + ",S,A,8512001,17/01/2019,5,F,,,,N,,0,,,,\n"
	f := writeFile(t, dir, "census_2019.csv", []byte(body))
	r1, err := l.Load(ctx, conn, 1, f)
	if err != nil || r1.Status != connectors.StatusLoaded || r1.FileStat == "" {
		t.Fatalf("first load: %v %s stat %q", err, r1.Status, r1.FileStat)
	}
	// Mark the recorded hash: a result carrying the mark was answered from
	// the ledger by stat, without hashing the file.
	if _, err := conn.ExecContext(ctx, `UPDATE ops.loads SET sha256 = 'marked' WHERE load_id = ?`, r1.LoadID); err != nil {
		t.Fatal(err)
	}
	r2, err := l.Load(ctx, conn, 2, f)
	if err != nil || r2.Status != connectors.StatusSeen || r2.SHA256 != "marked" {
		t.Fatalf("unchanged file: %v %s sha %q, want seen by stat", err, r2.Status, r2.SHA256)
	}
	conn.ExecContext(ctx, `UPDATE ops.loads SET sha256 = ? WHERE load_id = ?`, r1.SHA256, r1.LoadID)

	// Touched: read and hashed again, found to be the same bytes, and the
	// new stat remembered so that the next run skips it by stat.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(f.Path, later, later); err != nil {
		t.Fatal(err)
	}
	r3, err := l.Load(ctx, conn, 3, f)
	if err != nil || r3.Status != connectors.StatusSeen || r3.SHA256 != r1.SHA256 || r3.FileStat == r1.FileStat {
		t.Fatalf("touched file: %v %s", err, r3.Status)
	}
	var stat string
	conn.QueryRowContext(ctx, `SELECT file_stat FROM ops.loads WHERE load_id = ?`, r1.LoadID).Scan(&stat)
	if stat != r3.FileStat {
		t.Errorf("stat recorded %q, want the touched file's %q", stat, r3.FileStat)
	}

	// New bytes of the same size, with the old modification time put back:
	// the change time still moves, so the file is read and loaded.
	st, _ := os.Stat(f.Path)
	changed := strings.Replace(body, ",N,,0,", ",K,,0,", 1)
	if len(changed) != len(body) {
		t.Fatal("the changed body must keep the size")
	}
	if err := os.WriteFile(f.Path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(f.Path, st.ModTime(), st.ModTime())
	r4, err := l.Load(ctx, conn, 4, f)
	if err != nil || r4.Status != connectors.StatusLoaded {
		t.Fatalf("rewritten file with its old size and time: %v %s, want loaded", err, r4.Status)
	}
	var sen string
	conn.QueryRowContext(ctx, `SELECT sen_provision FROM raw.census WHERE _load_id = ?`, r4.LoadID).Scan(&sen)
	if sen != "K" {
		t.Errorf("new load's sen_provision %q, want K", sen)
	}
}

// Quarantined rows are not loaded, so they supersede nothing: only the rows
// a file loads replace earlier rows of their school and date, as
// stg.census reads them.
func TestQuarantinedRowsSupersedeNothing(t *testing.T) {
	conn, ctx := conntest.DB(t)
	dir := t.TempDir()
	l := loader(t)
	f1 := writeFile(t, dir, "census_2019.csv", []byte(censusHeader+upn1+",S,A,8512001,17/01/2019,5,F,,,,N,,0,,,,\n"))
	r1, err := l.Load(ctx, conn, 1, f1)
	if err != nil || r1.Status != connectors.StatusLoaded {
		t.Fatal(err, r1.Status)
	}
	// The later file's one row for 8512001 is quarantined (Z is no SEN
	// provision); its row for 8512002 loads.
	f2 := writeFile(t, dir, "census_2019_more.csv", []byte(censusHeader+
		upn1+",S,A,8512001,17/01/2019,5,F,,,,Z,,0,,,,\n"+upn2+",S,A,8512002,17/01/2019,5,F,,,,N,,0,,,,\n"))
	r2, err := l.Load(ctx, conn, 2, f2)
	if err != nil {
		t.Fatal(err)
	}
	if r2.RowsLoaded != 1 || r2.RowsQuarantined != 1 {
		t.Fatalf("loaded %d, quarantined %d; want 1 and 1", r2.RowsLoaded, r2.RowsQuarantined)
	}
	if len(r2.Supersedes) != 0 {
		t.Errorf("supersedes %v on the strength of a quarantined row", r2.Supersedes)
	}
	var n int
	conn.QueryRowContext(ctx, `SELECT count(*) FROM raw.census WHERE _load_id = ?`, r2.LoadID).Scan(&n)
	if n != 1 {
		t.Errorf("%d rows of the second file in raw.census, want 1", n)
	}
}

func TestLoadXLSXWithTitleRows(t *testing.T) {
	conn, ctx := conntest.DB(t)
	x := excelize.NewFile()
	s := x.GetSheetName(0)
	rows := [][]any{
		{"Spring census 2019 — Demo LA"},
		{"Exported 17/01/2019"},
		{"UPN", "LAESTAB", "CensusDate", "NCyearActual", "SENprovision", "FSMeligible", "Surname"},
		{upn1, 8512001, 43482, 5, "N", 1, "Smith"}, // date as an Excel serial
		{},
		{upn2, "851/2001", "17/01/2019", "R", "E", "Y", "Jones"},
		{"A801200005001", 8512001, 43482, 5, "N", 0, "Brown"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		x.SetSheetRow(s, cell, &r)
	}
	p := filepath.Join(t.TempDir(), "census.xlsx")
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	res, err := loader(t).Load(ctx, conn, 1, connectors.File{Path: p, Rel: "census.xlsx", Size: st.Size()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != connectors.StatusLoaded || res.HeaderLine != 3 || res.RowsLoaded != 2 || res.RowsQuarantined != 1 || res.Blank != 1 {
		t.Fatalf("%+v %v", res, res.Refused)
	}
	q := quarantined(t, ctx, conn, res.LoadID)
	if len(q) != 1 || q[0].Line != 7 || q[0].Column != "UPN" {
		t.Errorf("quarantine %+v, want sheet row 7, UPN", q)
	}
	var dates string
	conn.QueryRowContext(ctx, `SELECT string_agg(CAST(census_date AS VARCHAR) || '@' || _line, ',' ORDER BY _line) FROM raw.census`).Scan(&dates)
	if dates != "2019-01-17@4,2019-01-17@6" {
		t.Errorf("dates and lines %q", dates)
	}
}

func TestLoadRealPerformanceTablesCensus(t *testing.T) {
	path := "../../shared/data/dfe/performance-tables-2018-19/england_census.csv"
	st, err := os.Stat(path)
	if err != nil {
		t.Skip("real DfE file not available")
	}
	conn, ctx := conntest.DB(t)
	abs, _ := filepath.Abs(path)
	l := &connectors.Loader{Source: perfcensus.Source, TempDir: t.TempDir()}
	// Its year is in the folder name.
	res, err := l.Load(ctx, conn, 1, connectors.File{Path: abs, Rel: "performance-tables-2018-19/england_census.csv", Size: st.Size()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != connectors.StatusLoaded || res.RowsRead != 23942 || res.RowsQuarantined != 0 || res.TimePeriod != 201819 {
		t.Fatalf("%+v %v\n%+v", res, res.Refused, quarantined(t, ctx, conn, res.LoadID))
	}
	// NA is a marker, not a number and not a problem.
	var na int
	var nor float64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE numeal_status = 'NA'), max(nor) FROM raw.perf_census WHERE urn_text <> 'NAT'`).Scan(&na, &nor); err != nil {
		t.Fatal(err)
	}
	if na == 0 || nor < 1000 {
		t.Errorf("NA markers %d, max NOR %v", na, nor)
	}
	// Without a year in the path it is refused, not guessed.
	l2 := &connectors.Loader{Source: perfcensus.Source, TempDir: t.TempDir()}
	conn2, ctx2 := conntest.DB(t)
	res2, _ := l2.Load(ctx2, conn2, 1, connectors.File{Path: abs, Rel: "england_census.csv", Size: st.Size()})
	if res2.Status != connectors.StatusRefused || !errors.Is(res2.Refused, connectors.ErrNoYear) {
		t.Errorf("no year: %s %v", res2.Status, res2.Refused)
	}
}
