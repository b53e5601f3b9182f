package connectors_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/conntest"
)

// Hostile and broken input: every case loads what can be loaded, names the
// file, line and column of what cannot, and loses nothing silently.

func utf16LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := []byte{0xFF, 0xFE}
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

func TestHostileCSV(t *testing.T) {
	good := upn1 + ",8512001,17/01/2019,5,N,0\n"
	hdr := "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n"
	tests := []struct {
		name                 string
		data                 []byte
		status               string
		read, loaded, quar   int64
		err                  error
		wantReason, wantNote string
	}{
		{name: "truncated mid-row", data: []byte(hdr + good + upn2 + ",8512001,17/01/2"),
			status: "loaded", read: 2, loaded: 1, quar: 1, wantReason: "fewer values"},
		{name: "truncated inside a quoted value", data: []byte(hdr + good + upn2 + ",8512001,\"17/01/2019"),
			status: "loaded", read: 2, loaded: 1, quar: 1},
		{name: "unknown columns are reported, not loaded", data: []byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,ShoeSize\n" + upn1 + ",8512001,17/01/2019,5,N,0,9\n"),
			status: "loaded", read: 1, loaded: 1, wantNote: "unknown columns not read: ShoeSize"},
		{name: "semicolon separated", data: []byte(strings.ReplaceAll(hdr+good, ",", ";")),
			status: "loaded", read: 1, loaded: 1},
		{name: "pipe separated", data: []byte(strings.ReplaceAll(hdr+good, ",", "|")),
			status: "loaded", read: 1, loaded: 1},
		{name: "UTF-16 with BOM", data: utf16LE(hdr + good + good),
			status: "loaded", read: 2, loaded: 2},
		{name: "embedded quotes and newlines", data: []byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,FirstLanguage\n" +
			upn1 + ",8512001,17/01/2019,5,N,0,\"Eng\"\"lish\nsecond line\"\n" + upn2 + ",8512001,17/01/2019,5,N,0,ENG\n"),
			status: "loaded", read: 2, loaded: 2},
		{name: "UPN mangled into scientific notation by Excel", data: []byte(hdr + "8.512E+12,8512001,17/01/2019,5,N,0\n" + good),
			status: "loaded", read: 2, loaded: 1, quar: 1, wantReason: "UPN"},
		{name: "dates as Excel serial numbers", data: []byte(hdr + upn1 + ",8512001,43482,5,N,0\n"),
			status: "loaded", read: 1, loaded: 1},
		{name: "a header with SQL in it is just a header", data: []byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,\"x'); DROP TABLE ops.loads; --\"\n" + upn1 + ",8512001,17/01/2019,5,N,0,1\n"),
			status: "loaded", read: 1, loaded: 1},
		{name: "NUL bytes in a text file", data: []byte(hdr + upn1 + ",8512001,17/01/2019,5,N,0\x00\n"),
			status: "refused", err: connectors.ErrBinary},
		{name: "classic Mac line ends (CR only)", data: []byte(strings.ReplaceAll(hdr+good+good+upn2+",8512001,17/01/2019,5,N,x\n", "\n", "\r")),
			status: "loaded", read: 3, loaded: 2, quar: 1, wantReason: "FSMeligible"},
		{name: "UTF-16 with CR line ends", data: utf16LE(strings.ReplaceAll(hdr+good+good, "\n", "\r")),
			status: "loaded", read: 2, loaded: 2},
		{name: "header only, no data", data: []byte(hdr), status: "loaded", read: 0},
		{name: "only blank lines after the header", data: []byte(hdr + "\n\n\n"), status: "loaded", read: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			f := writeFile(t, t.TempDir(), "census/x.csv", tt.data)
			res, err := loader(t).Load(ctx, conn, 1, f)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status {
				t.Fatalf("status %s (%v), want %s", res.Status, res.Refused, tt.status)
			}
			if tt.err != nil && !errors.Is(res.Refused, tt.err) {
				t.Errorf("refused with %v", res.Refused)
			}
			if res.Status != "loaded" {
				return
			}
			if res.RowsRead != tt.read || res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quar {
				t.Errorf("read/loaded/quarantined %d/%d/%d, want %d/%d/%d", res.RowsRead, res.RowsLoaded, res.RowsQuarantined, tt.read, tt.loaded, tt.quar)
			}
			if tt.wantReason != "" {
				q := quarantined(t, ctx, conn, res.LoadID)
				found := false
				for _, r := range q {
					found = found || strings.Contains(r.Reason+" "+r.Column, tt.wantReason)
				}
				if !found {
					t.Errorf("no quarantine row mentions %q: %+v", tt.wantReason, q)
				}
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(append(res.Notes, "unknown columns not read: "+strings.Join(res.Unknown, ", ")), ";"), tt.wantNote) {
				t.Errorf("unknown %v notes %v", res.Unknown, res.Notes)
			}
			var n int
			conn.QueryRowContext(ctx, `SELECT count(*) FROM ops.loads`).Scan(&n)
			if n != 1 {
				t.Errorf("%d ops.loads rows", n)
			}
		})
	}
}

func TestOverlongLineIsQuarantinedAndTheRestLoads(t *testing.T) {
	conn, ctx := conntest.DB(t)
	hdr := "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,FirstLanguage\n"
	long := upn2 + ",8512001,17/01/2019,5,N,0," + strings.Repeat("x", 3<<20) + "\n"
	data := hdr + upn1 + ",8512001,17/01/2019,5,N,0,ENG\n" + long + upn3 + ",8512001,17/01/2019,5,N,0,ENG\n"
	f := writeFile(t, t.TempDir(), "census/long.csv", []byte(data))
	l := loader(t)
	l.MaxLineSize = 1 << 20
	res, err := l.Load(ctx, conn, 1, f)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsRead != 3 || res.RowsLoaded != 2 || res.RowsQuarantined != 1 {
		t.Fatalf("%+v", res)
	}
	q := quarantined(t, ctx, conn, res.LoadID)
	if len(q) != 1 || q[0].Line != 3 || !strings.Contains(q[0].Reason, "longer than") {
		t.Errorf("quarantine %+v", q)
	}
}

// A file saved as "CSV (Macintosh)" ends its lines with a carriage return
// alone. Read as one line, its rows became columns of the header, and the
// pupils' names and UPNs went into the load's message as unknown columns.
func TestCROnlyLinesKeepTheirLineNumbers(t *testing.T) {
	conn, ctx := conntest.DB(t)
	data := strings.Join([]string{
		"Census extract", // 1: a title row
		"UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible,FirstLanguage", // 2
		upn1 + ",8512001,17/01/2019,5,N,0,ENG",                                       // 3
		"",                                                                           // 4: blank
		upn2 + ",8512001,17/01/2019,5,N,0,\"Eng\rlish\"", // 5-6: a line break inside quotes
		upn3 + ",8512001,17/01/2019,5,N,x,ENG",           // 7: bad FSM
		upn1 + ",8512001,17/01/2019,6,N,1,ENG",           // 8
	}, "\r") + "\r"
	f := writeFile(t, t.TempDir(), "census/mac.csv", []byte(data))
	res, err := loader(t).Load(ctx, conn, 1, f)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != connectors.StatusLoaded || res.HeaderLine != 2 || res.RowsRead != 4 || res.RowsLoaded != 3 || res.RowsQuarantined != 1 ||
		len(res.Unknown) != 0 || len(res.Notes) != 0 || !strings.Contains(res.Format, "CR") {
		t.Fatalf("%+v", res)
	}
	q := quarantined(t, ctx, conn, res.LoadID)
	if len(q) != 1 || q[0].Line != 7 || q[0].Column != "FSMeligible" {
		t.Errorf("quarantine %+v, want line 7, FSMeligible", q)
	}
	var lines string
	if err := conn.QueryRowContext(ctx, `SELECT string_agg(_line || ':' || first_language, ',' ORDER BY _line) FROM raw.census`).Scan(&lines); err != nil {
		t.Fatal(err)
	}
	if want := "3:ENG,5:Eng\nlish,8:ENG"; lines != want {
		t.Errorf("loaded lines %q, want %q", lines, want)
	}
}

func TestHostileWorkbooks(t *testing.T) {
	dir := t.TempDir()
	// A workbook whose cells are formulas: their cached values load.
	x := excelize.NewFile()
	s := x.GetSheetName(0)
	x.SetSheetRow(s, "A1", &[]any{"UPN", "LAESTAB", "CensusDate", "NCyearActual", "SENprovision", "FSMeligible"})
	x.SetSheetRow(s, "A2", &[]any{upn1, 8512001, "17/01/2019", 5, "N", 0})
	x.SetCellFormula(s, "B2", "8512000+1")
	x.SetCellValue(s, "B2", 8512001) // cached value, as Excel saves it
	formulas := filepath.Join(dir, "census", "formulas.xlsx")
	os.MkdirAll(filepath.Dir(formulas), 0o755)
	if err := x.SaveAs(formulas); err != nil {
		t.Fatal(err)
	}
	// A zip bomb named .xlsx: a sheet that unpacks to far more than allowed.
	bomb := filepath.Join(dir, "census", "bomb.xlsx")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} {
		w, _ := zw.Create(name)
		if name == "xl/worksheets/sheet1.xml" {
			chunk := bytes.Repeat([]byte("<!-- padding -->"), 1<<16) // 1 MiB
			for i := 0; i < 64; i++ {
				w.Write(chunk)
			}
		} else {
			w.Write([]byte("<x/>"))
		}
	}
	zw.Close()
	os.WriteFile(bomb, buf.Bytes(), 0o644)
	if st, _ := os.Stat(bomb); st.Size() > 1<<20 {
		t.Fatalf("the bomb is not compressed: %d bytes", st.Size())
	}

	tests := []struct {
		name, path, status string
		loaded             int64
	}{
		{"formula cells load their cached values", formulas, "loaded", 1},
		{"zip bomb named .xlsx is refused", bomb, "refused", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			st, _ := os.Stat(tt.path)
			l := loader(t)
			l.XLSX = connectors.XLSXLimits{UnzipSize: 16 << 20, UnzipXMLSize: 8 << 20}
			rel, _ := filepath.Rel(dir, tt.path)
			res, err := l.Load(ctx, conn, 1, connectors.File{Path: tt.path, Rel: rel, Size: st.Size()})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status || res.RowsLoaded != tt.loaded {
				t.Errorf("status %s loaded %d (%v)", res.Status, res.RowsLoaded, res.Refused)
			}
			if tt.status == "refused" && !errors.Is(res.Refused, connectors.ErrWorkbook) {
				t.Errorf("refused with %v", res.Refused)
			}
		})
	}
}

func TestStrangeFileNames(t *testing.T) {
	// Names with quotes, spaces, newlines and dots reach DuckDB only as bound
	// parameters; they load like any other file.
	for _, name := range []string{"it's \"census\".csv", "census ; DROP TABLE x.csv", "..census..csv", "new\nline.csv"} {
		t.Run(name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			f := writeFile(t, t.TempDir(), "census/"+name, []byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n"+upn1+",8512001,17/01/2019,5,N,0\n"))
			res, err := loader(t).Load(ctx, conn, 1, f)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != "loaded" || res.RowsLoaded != 1 {
				t.Errorf("%+v %v", res, res.Refused)
			}
		})
	}
}

// TestExcelMangledSchoolNumbers: a LAESTAB that went through Excel comes
// back as a float ('8512001.0') or, written with a separator, loses the
// establishment number's leading zeros ('851/23'). Both are undone where
// the value is unambiguous; anything else is quarantined, never guessed.
func TestExcelMangledSchoolNumbers(t *testing.T) {
	tests := []struct {
		name, laestab string
		want          int64 // 0: quarantined
	}{
		{"seven digits", "8510023", 8510023},
		{"with a slash", "851/0023", 8510023},
		{"stored as a float", "8510023.0", 8510023},
		{"leading zeros lost after the slash", "851/23", 8510023},
		{"leading zeros lost after a space", "851 123", 8510123},
		{"six digits is ambiguous", "851023", 0},
		{"scientific notation", "8.51E+06", 0},
		{"a fraction is not a school", "8510023.5", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			data := "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n" + upn1 + ",\"" + tt.laestab + "\",17/01/2019,5,N,0\n"
			f := writeFile(t, t.TempDir(), "census/x.csv", []byte(data))
			res, err := loader(t).Load(ctx, conn, 1, f)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == 0 {
				q := quarantined(t, ctx, conn, res.LoadID)
				if res.RowsQuarantined != 1 || len(q) == 0 || q[0].Column != "LAESTAB" || q[0].Line != 2 || !strings.Contains(q[0].Reason, "not a LAESTAB") {
					t.Fatalf("want the row quarantined at line 2, column LAESTAB: %+v %+v", res, q)
				}
				return
			}
			var got int64
			if err := conn.QueryRowContext(ctx, `SELECT laestab FROM raw.census`).Scan(&got); err != nil {
				t.Fatalf("%v (%+v)", err, res)
			}
			if got != tt.want {
				t.Errorf("LAESTAB %q loaded as %d, want %d", tt.laestab, got, tt.want)
			}
		})
	}
}
