package connectors_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/conntest"
)

func TestWideName(t *testing.T) {
	tests := []struct{ header, want string }{
		{"PTRWM_EXP", "ptrwm_exp"},
		{"PTRWM_EXP_NotFSM6CLA1A", "ptrwm_exp_notfsm6cla1a"},
		{"  % boys ", "boys"},
		{"RE-BROKERED", "re_brokered"},
		{"2019 P8", "c_2019_p8"},
		{"\ufeffURN", "urn"},
		{`a"; DROP TABLE raw.x; --`, "a_drop_table_raw_x"},
		{"Élève", "l_ve"},
		{"---", ""},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := connectors.WideName(tt.header); got != tt.want {
				t.Errorf("WideName(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestFileFamily(t *testing.T) {
	tests := []struct{ a, b string }{
		{"perf_ks2/2016-850-ks2.csv", "perf_ks2/2018-850-ks2.csv"},
		{"perf_ks4/performance-tables-2017-18/england_ks4final.csv", "perf_ks4/2018-19/850_ks4final.csv"},
		{"ees/exc_2017.csv", "ees/archive/exc_2018.csv"},
	}
	for _, tt := range tests {
		if connectors.FileFamily(tt.a) != connectors.FileFamily(tt.b) {
			t.Errorf("%s and %s are not the same kind of file: %q %q", tt.a, tt.b, connectors.FileFamily(tt.a), connectors.FileFamily(tt.b))
		}
	}
	if connectors.FileFamily("england_ks4provisional.csv") == connectors.FileFamily("england_ks4final.csv") {
		t.Error("a provisional file is compared with a final one")
	}
}

// wideSource is a small wide source like the performance tables files.
var wideSource = &connectors.Source{
	Name:         "pt",
	Table:        "raw.pt",
	YearFromPath: true,
	Wide:         true,
	PadShortRows: true,
	Fields: []connectors.Field{
		{Name: "urn", Header: "URN", Kind: connectors.URN, Required: true},
		{Name: "rwm", Header: "PTRWM_EXP", Kind: connectors.Measure, Doc: "% reaching the expected standard in RWM"},
	},
}

// Every column of a wide source's files is kept, under safe names; files
// of the same kind are compared and the differences reported, whatever
// order their years load in.
func TestWideLoadsAndSchemaChanges(t *testing.T) {
	conn, ctx := conntest.DB(t)
	dir := t.TempDir()
	files := []struct {
		rel, body      string
		compared       string
		added, removed string
		short          string
	}{
		{rel: "pt/2017-18/850_ks2.csv", body: "URN,PTRWM_EXP,TELIG,OLDCOL\n116000,66%,30,a\n116001,SUPP,4,b\n"},
		{rel: "pt/2018-19/850_ks2.csv",
			body:     "URN,PTRWM_EXP,TELIG,NEWCOL,\"a\"\"; DROP TABLE raw.pt; --\"\n116000,68%,31,x,1\n116001,70%\n",
			compared: "pt/2017-18/850_ks2.csv", added: `NEWCOL,a"; DROP TABLE raw.pt; --`, removed: "OLDCOL",
			short: "1 rows have fewer values than the header"},
		// An older year loaded last is compared with the nearest year after it.
		{rel: "pt/2016-17/850_ks2.csv", body: "URN,PTRWM_EXP\n116000,60%\n",
			compared: "pt/2017-18/850_ks2.csv", removed: "TELIG,OLDCOL"},
		// Another kind of file in the same source is not compared.
		{rel: "pt/2018-19/850_ks2_summary.csv", body: "URN,PTRWM_EXP,X\n116000,68%,1\n"},
	}
	for _, f := range files {
		file := writeFile(t, dir, f.rel, []byte(f.body))
		l := &connectors.Loader{Source: wideSource, TempDir: t.TempDir()}
		res, err := l.Load(ctx, conn, 1, file)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != connectors.StatusLoaded || res.RowsQuarantined != 0 {
			t.Fatalf("%s: %s, %d quarantined: %v", f.rel, res.Status, res.RowsQuarantined, res.Refused)
		}
		sc := res.SchemaChange
		switch {
		case f.compared == "" && sc != nil:
			t.Errorf("%s: unexpected schema change %s", f.rel, sc)
		case f.compared != "" && sc == nil:
			t.Errorf("%s: no schema change reported", f.rel)
		case sc != nil:
			if sc.ComparedPath != f.compared || strings.Join(sc.Added, ",") != f.added || strings.Join(sc.Removed, ",") != f.removed {
				t.Errorf("%s: compared with %s, added %q removed %q; want %s, %q, %q", f.rel, sc.ComparedPath, sc.Added, sc.Removed,
					f.compared, f.added, f.removed)
			}
		}
		if notes := strings.Join(res.Notes, "; "); f.short != "" && !strings.Contains(notes, f.short) {
			t.Errorf("%s: notes %q", f.rel, notes)
		}
	}
	checks := []struct{ name, query, want string }{
		{"typed values with markers", `SELECT string_agg(time_period || ':' || urn || ':' || coalesce(CAST(rwm AS VARCHAR), rwm_status), ' ' ORDER BY time_period, urn) FROM raw.pt`,
			"201617:116000:60.0 201718:116000:66.0 201718:116001:SUPP 201819:116000:68.0 201819:116000:68.0 201819:116001:70.0"},
		{"every column kept as text", `SELECT string_agg(coalesce(oldcol, '-') || '/' || coalesce(telig, '-') || '/' || coalesce(newcol, '-'), ' ' ORDER BY _load_id, _line) FROM raw.pt_wide`,
			"a/30/- b/4/- -/31/x -/-/- -/-/- -/-/-"},
		{"a hostile header is only a column name", `SELECT count(*) FROM raw.pt_wide WHERE a_drop_table_raw_pt = '1'`, "1"},
		{"headers recorded with their names", `SELECT string_agg(header || '=' || column_name || coalesce('>' || field, ''), ' ' ORDER BY position) FROM ops.load_columns WHERE load_id = 1`,
			"URN=urn>urn PTRWM_EXP=ptrwm_exp>rwm TELIG=telig OLDCOL=oldcol"},
		{"the DfE code in the column comment", `SELECT comment FROM duckdb_columns() WHERE table_name = 'pt' AND column_name = 'rwm'`,
			"PTRWM_EXP: % reaching the expected standard in RWM"},
		{"schema changes recorded", `SELECT string_agg(path || ' ' || change || ' ' || header, '; ' ORDER BY load_id, change, header) FROM ops.schema_changes`,
			`pt/2018-19/850_ks2.csv added NEWCOL; pt/2018-19/850_ks2.csv added a"; DROP TABLE raw.pt; --; pt/2018-19/850_ks2.csv removed OLDCOL; ` +
				`pt/2016-17/850_ks2.csv removed OLDCOL; pt/2016-17/850_ks2.csv removed TELIG`},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			var got sql.NullString
			if err := conn.QueryRowContext(ctx, c.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got.String != c.want {
				t.Errorf("got  %q\nwant %q", got.String, c.want)
			}
		})
	}
}

// Short rows are a DfE habit only sources that expect it forgive: others
// still quarantine them.
func TestShortRowsQuarantinedUnlessPadded(t *testing.T) {
	narrow := *wideSource
	narrow.Name, narrow.Table, narrow.PadShortRows, narrow.Wide = "pt2", "raw.pt2", false, false
	conn, ctx := conntest.DB(t)
	p := filepath.Join(t.TempDir(), "2018-19", "x.csv")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("URN,PTRWM_EXP,TELIG\n116000,68%,31\n116001\n"), 0o644)
	l := &connectors.Loader{Source: &narrow, TempDir: t.TempDir()}
	res, err := l.Load(ctx, conn, 1, connectors.File{Path: p, Rel: "pt2/2018-19/x.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsLoaded != 1 || res.RowsQuarantined != 1 {
		t.Errorf("loaded %d quarantined %d", res.RowsLoaded, res.RowsQuarantined)
	}
	var n int
	conn.QueryRowContext(ctx, `SELECT count(*) FROM ops.schema_changes`).Scan(&n)
	if n != 0 {
		t.Errorf("schema changes recorded for a narrow source")
	}
}

// Every DfE and EES marker is NULL with the marker kept, never zero and
// never a quarantined row; a value that is neither is nulled and recorded.
func TestMeasureMarkers(t *testing.T) {
	src := &connectors.Source{Name: "m", Table: "raw.m", Fields: []connectors.Field{
		{Name: "id", Header: "id", Kind: connectors.Int, Required: true},
		{Name: "v", Header: "v", Kind: connectors.Measure},
	}}
	tests := []struct {
		cell, value, status string
	}{
		{"12.5", "12.5", ""},
		{"66.2%", "66.2", ""},
		{"-0.41", "-0.41", ""},
		{"SUPP", "", "SUPP"},
		{"NE", "", "NE"},
		{"NP", "", "NP"},
		{"NA", "", "NA"},
		{"NEW", "", "NEW"},
		{"LOWCOV", "", "LOWCOV"},
		{"SP", "", "SP"},
		{"RE", "", "RE"},
		{"c", "", "C"},
		{"x", "", "X"},
		{"z", "", "Z"},
		{"low", "", "LOW"},
		{"~", "", "~"},
		{":", "", ":"},
		{".", "", "."},
		{" ", "", "blank"},
		{"", "", "blank"},
		{"n/a?", "", ""}, // neither: nulled and recorded, the row kept
	}
	var body strings.Builder
	body.WriteString("id,v\n")
	for i, tt := range tests {
		body.WriteString(strconv.Itoa(i) + ",\"" + tt.cell + "\"\n")
	}
	conn, ctx := conntest.DB(t)
	f := writeFile(t, t.TempDir(), "m.csv", []byte(body.String()))
	res, err := (&connectors.Loader{Source: src, TempDir: t.TempDir()}).Load(ctx, conn, 1, f)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsLoaded != int64(len(tests)) || res.RowsQuarantined != 0 || res.ValuesNulled != 1 {
		t.Fatalf("loaded %d quarantined %d nulled %d", res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled)
	}
	for i, tt := range tests {
		t.Run(strconv.Quote(tt.cell), func(t *testing.T) {
			var v, st sql.NullString
			if err := conn.QueryRowContext(ctx, `SELECT CAST(v AS VARCHAR), v_status FROM raw.m WHERE id = ?`, i).Scan(&v, &st); err != nil {
				t.Fatal(err)
			}
			if v.String != tt.value || st.String != tt.status {
				t.Errorf("value %q status %q, want %q %q", v.String, st.String, tt.value, tt.status)
			}
		})
	}
}
