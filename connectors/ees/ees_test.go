package ees_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/ees"
)

// The real EES absence file loads whole: school-level absence for Bradford,
// keyed by URN and LAESTAB, nine years, its z symbols kept. (The 40 MB exclusions file is loaded
// once in the suite, by transforms' TestBenchmarkingOnRealFiles, which
// checks it loads whole too.)
func TestLoadRealAbsence(t *testing.T) {
	conn, ctx := conntest.DB(t)
	f := conntest.RealFile(t, "ees-absence-bradford/1_absence_3term_school.csv", "ees/1_absence_3term_school.csv")
	res := conntest.Load(t, ctx, conn, ees.Source, f)
	if res.RowsRead != 1592 || res.RowsQuarantined != 0 || res.ValuesNulled != 0 {
		t.Fatalf("read %d quarantined %d nulled %d: %+v", res.RowsRead, res.RowsQuarantined, res.ValuesNulled,
			conntest.Problems(t, ctx, conn, res.LoadID))
	}
	tests := []struct {
		name, query, want string
	}{
		{"years", `SELECT min(time_period) || '-' || max(time_period) FROM raw.ees`, "201314-202122"},
		{"school rows carry URN and LAESTAB", `SELECT count(*) FROM raw.ees WHERE geographic_level = 'School' AND urn IS NOT NULL AND laestab IS NOT NULL`, "1592"},
		{"absence rate of a Bradford school", `SELECT round(sess_overall_percent, 3) FROM raw.ees WHERE urn = 137320 AND time_period = 202021`, "4.542"},
		{"the wide table keeps a symbol as written", `SELECT count(*) FROM raw.ees_wide WHERE sess_auth_ext_holiday = 'z'`, "1592"},
		{"an indicator the file lacks is absent, not blank", `SELECT count(*) FROM raw.ees WHERE perm_excl_rate_status IS NOT NULL`, "0"},
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
}

// A file of the EES data standard whose rows cannot be placed is
// quarantined row by row, and its metadata file is refused whole.
func TestLoadRows(t *testing.T) {
	tests := []struct {
		name              string
		file, body        string
		status            string
		read, loaded, bad int64
	}{
		{"symbols c, low, z and a legacy ~", "la.csv",
			"time_period,time_identifier,geographic_level,country_code,country_name,old_la_code,new_la_code,la_name,school_type,headcount,perm_excl_rate,susp_rate\n" +
				"202223,Academic year,Local authority,E92000001,England,851,E06000044,Portsmouth,Total,25000,c,low\n" +
				"202223,Academic year,National,E92000001,England,,,,Total,8000000,0.08,z\n" +
				"202223,Academic year,Local authority,E92000001,England,852,E06000045,Southampton,Total,26000,~,9.1\n",
			"loaded", 3, 3, 0},
		{"a school row without a key, and a calendar-year row", "sch.csv",
			"time_period,time_identifier,geographic_level,country_code,country_name,school_urn,school_laestab,enrolments\n" +
				"201819,Academic year,School,E92000001,England,,,300\n" +
				"2019,Calendar year,School,E92000001,England,100000,2013614,300\n" +
				"201819,Academic year,School,E92000001,England,100000,2013614,300\n",
			"loaded", 3, 1, 2},
		{"the metadata file beside the data", "exclusions.meta.csv",
			"col_name,col_type,label,indicator_grouping,indicator_unit,filter_hint,filter_grouping_column\nschool_type,Filter,School type,,,Filter by school type,\n",
			"refused", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, ctx := conntest.DB(t)
			p := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(p, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			l := &connectors.Loader{Source: ees.Source, TempDir: t.TempDir()}
			res, err := l.Load(ctx, conn, 1, connectors.File{Path: p, Rel: "ees/" + tt.file})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status || res.RowsRead != tt.read || res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.bad {
				t.Fatalf("status %s read/loaded/quarantined %d/%d/%d, want %s %d/%d/%d: %v %+v", res.Status, res.RowsRead, res.RowsLoaded,
					res.RowsQuarantined, tt.status, tt.read, tt.loaded, tt.bad, res.Refused, conntest.Problems(t, ctx, conn, res.LoadID))
			}
		})
	}
}
