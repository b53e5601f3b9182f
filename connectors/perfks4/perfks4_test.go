package perfks4_test

import (
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/perfks4"
)

// The real 2018/19 provisional KS4 file loads whole: school, LA and national
// rows, every marker kept, nothing quarantined.
func TestLoadRealProvisional(t *testing.T) {
	f := conntest.RealFile(t, "performance-tables-2018-19/england_ks4provisional.csv",
		"performance-tables-2018-19/england_ks4provisional.csv")
	conn, ctx := conntest.DB(t)
	res := conntest.Load(t, ctx, conn, perfks4.Source, f)
	if res.RowsRead != 5652 || res.RowsQuarantined != 0 || res.TimePeriod != 201819 {
		t.Fatalf("read %d quarantined %d year %d: %+v", res.RowsRead, res.RowsQuarantined, res.TimePeriod,
			conntest.Problems(t, ctx, conn, res.LoadID))
	}
	if res.ValuesNulled != 0 {
		t.Errorf("%d values nulled: %+v", res.ValuesNulled, conntest.Problems(t, ctx, conn, res.LoadID)[:5])
	}

	tests := []struct {
		name  string
		query string
		want  string
	}{
		{"record types", `SELECT string_agg(rectype || ':' || n, ' ' ORDER BY rectype) FROM (SELECT rectype, count(*) n FROM raw.perf_ks4 GROUP BY 1)`,
			"1:4296 2:1199 4:155 5:1 7:1"},
		{"Portsmouth's published P8 and A8", `SELECT p8 || ' ' || att8 || ' ' || coalesce(p8_status, 'null') FROM raw.perf_ks4 WHERE rectype = 4 AND la = 851`,
			"-0.41 40.7 null"},
		{"City of London has no P8: a blank, not a zero", `SELECT coalesce(CAST(p8 AS VARCHAR), 'null') || ' ' || p8_status FROM raw.perf_ks4 WHERE rectype = 4 AND la = 201`,
			"null blank"},
		{"national maintained P8", `SELECT CAST(p8 AS VARCHAR) FROM raw.perf_ks4 WHERE rectype = 7`, "-0.03"},
		{"markers kept, never zero", `SELECT string_agg(p8_status || ':' || n, ' ' ORDER BY p8_status) FROM (
			SELECT p8_status, count(*) n FROM raw.perf_ks4 WHERE p8_status IS NOT NULL GROUP BY 1)`, "LOWCOV:7 NA:1376 NE:278 SUPP:138 blank:177"},
		{"% signs stripped", `SELECT count(*) || ' ' || count(*) FILTER (WHERE eng_maths_4plus_pct BETWEEN 0 AND 100) FROM raw.perf_ks4 WHERE eng_maths_4plus_pct IS NOT NULL`, "3691 3691"},
		{"columns not in a provisional file: no value, no marker", `SELECT count(*) FROM raw.perf_ks4 WHERE p8_disadv_status IS NOT NULL OR p8_disadv IS NOT NULL`, "0"},
		{"every column kept in the wide table", `SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'perf_ks4_wide'`, "28"},
		{"wide table joins on load and line", `SELECT w.p8mea || ' ' || w.lea FROM raw.perf_ks4 k JOIN raw.perf_ks4_wide w USING (_load_id, _line) WHERE k.rectype = 4 AND k.la = 851`,
			"-0.41 851"},
		{"DfE codes in column comments", `SELECT comment FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'perf_ks4' AND column_name = 'p8'`,
			"P8MEA: Progress 8 measure after adjustment for extreme scores"},
		{"the file's columns recorded", `SELECT count(*) || ' ' || count(field) FROM ops.load_columns WHERE load_id = ` + fmt.Sprint(res.LoadID), "25 21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sql.NullString
			if err := conn.QueryRowContext(ctx, tt.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got.String != tt.want {
				t.Errorf("got %q, want %q", got.String, tt.want)
			}
		})
	}

	// The marker counts above, checked independently with a plain CSV read.
	fh, err := os.Open(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "P8MEA" {
			col = i
		}
	}
	counts := map[string]int{}
	for _, r := range recs[1:] {
		switch v := strings.TrimSpace(r[col]); v {
		case "NA", "NE", "SUPP", "LOWCOV":
			counts[v]++
		case "":
			counts["blank"]++
		}
	}
	if counts["NA"] != 1376 || counts["NE"] != 278 || counts["SUPP"] != 138 || counts["LOWCOV"] != 7 || counts["blank"] != 177 {
		t.Errorf("plain CSV read counts %v", counts)
	}
}

// Rows DfE publishes are never quarantined for their markers; rows that
// cannot be placed are, with the reason.
func TestLoadRows(t *testing.T) {
	header := "RECTYPE,LEA,ESTAB,URN,SCHNAME,NFTYPE,TPUP,ATT8SCR,P8MEA,PTL2BASICS_94,P8MEA_FSM6CLA1A,P8MEA_NFSM6CLA1A,DIFFN_P8MEA,NEWCOL\n"
	tests := []struct {
		name                 string
		rel                  string
		body                 string
		read, loaded, quar   int64
		nulled               int64
		wantP8, wantStatuses string
	}{
		{
			name: "markers, % signs and single spaces",
			rel:  "2018-19/851_ks4final.csv",
			body: "1,851,4000,116000,A School,AC,100,45.5,0.12,66.2%,-0.3,0.2,-0.43,x\n" +
				"1,851,4001,116001,B School,CY,SUPP,NE,SUPP,NP,NA,LOWCOV, ,x\n" +
				"4,851, , , , ,1647,40.7,-0.41,55%,-0.8,-0.2,-0.93,x\n" +
				"7, , , , , ,542831,46.5,-0.03,64.9%,,,,x\n",
			read: 4, loaded: 4,
			wantP8:       "0.12,NULL,-0.41,-0.03",
			wantStatuses: "NULL,SUPP,NULL,NULL",
		},
		{
			name: "a school row without a URN and an unknown record type are quarantined",
			rel:  "2018-19/851_ks4final.csv",
			body: "1,851,4000,,A School,AC,100,45.5,0.12,66%,,,,\n" +
				"3,851,,,,,1,1,1,1,,,,\n" +
				"4,851,,,,,1647,40.7,-0.41,55%,,,,\n",
			read: 3, loaded: 1, quar: 2,
			wantP8: "-0.41", wantStatuses: "NULL",
		},
		{
			name: "a figure that is neither a number nor a marker is nulled and recorded, the row kept",
			rel:  "2018-19/851_ks4final.csv",
			body: "1,851,4000,116000,A School,AC,100,45.5,n/a?,66%,,,,\n",
			read: 1, loaded: 1, nulled: 1,
			wantP8: "NULL", wantStatuses: "NULL",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			p := filepath.Join(t.TempDir(), filepath.Base(tt.rel))
			if err := os.WriteFile(p, []byte("\ufeff"+header+tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			res := conntest.Load(t, ctx, conn, perfks4.Source, connectors.File{Path: p, Rel: tt.rel})
			if res.RowsRead != tt.read || res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quar || res.ValuesNulled != tt.nulled {
				t.Fatalf("read/loaded/quarantined/nulled %d/%d/%d/%d, want %d/%d/%d/%d: %+v", res.RowsRead, res.RowsLoaded,
					res.RowsQuarantined, res.ValuesNulled, tt.read, tt.loaded, tt.quar, tt.nulled, conntest.Problems(t, ctx, conn, res.LoadID))
			}
			var p8, st string
			conn.QueryRowContext(ctx, `SELECT string_agg(coalesce(CAST(p8 AS VARCHAR), 'NULL'), ',' ORDER BY _line),
				string_agg(CASE WHEN p8_status = 'SUPP' THEN 'SUPP' ELSE 'NULL' END, ',' ORDER BY _line) FROM raw.perf_ks4`).Scan(&p8, &st)
			if p8 != tt.wantP8 || st != tt.wantStatuses {
				t.Errorf("p8 %s statuses %s, want %s %s", p8, st, tt.wantP8, tt.wantStatuses)
			}
		})
	}
}

// A file whose year cannot be known is refused, not guessed.
func TestRefusesFileWithoutYear(t *testing.T) {
	f := conntest.RealFile(t, "performance-tables-2018-19/england_ks4provisional.csv", "england_ks4provisional.csv")
	conn, ctx := conntest.DB(t)
	l := &connectors.Loader{Source: perfks4.Source, TempDir: t.TempDir()}
	res, err := l.Load(ctx, conn, 1, f)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != connectors.StatusRefused || !strings.Contains(res.Refused.Error(), "academic year unknown") {
		t.Errorf("status %s: %v", res.Status, res.Refused)
	}
}
