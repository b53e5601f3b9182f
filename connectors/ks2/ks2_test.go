package ks2_test

import (
	"testing"

	"github.com/edwh/edwh/connectors/internal/loadtest"
	"github.com/edwh/edwh/connectors/ks2"
)

const (
	upn1, upn2, upn3, upn4 = loadtest.UPN1, loadtest.UPN2, loadtest.UPN3, loadtest.UPN4
	header                 = "UPN,Forename,LAESTAB,AcademicYear,ReadScaled,MatScaled,GPSScaled,WritTA,ReadProgress\n"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name                        string
		data                        string
		loaded, quarantined, nulled int64
		want                        []loadtest.Want
	}{
		{
			name: "scaled scores at both ends and every test and writing code are valid values",
			data: header +
				upn1 + ",Ann,8512001,2018-19,80,120,100,GDS,-2.5\n" +
				upn2 + ",Bob,8512001,2018-19,A,B,M,EXS,\n" +
				upn3 + ",Cat,8512001,2018-19,T,H,Q,PK6,\n" +
				upn4 + ",Dan,8512001,2018-19,L,F,P,EM,\n" +
				loadtest.UPN5 + ",Eve,8512001,2018-19,U,X,j,A,\n" +
				loadtest.UPN6 + ",Fay,8512001,2018-19,D,N,105,wts,\n" +
				loadtest.UPNTemp + ",Gus,8512001,2018-19,101,99,,PKF,\n",
			loaded: 7,
		},
		{
			name:   "bad UPN quarantines the row",
			data:   header + loadtest.BadUPN + ",A,8512001,2018-19,100,100,100,EXS,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "UPN", Reason: "UPN check letter is wrong", Action: "row"}},
		},
		{
			name:   "missing academic year quarantines the row",
			data:   header + upn1 + ",A,8512001,,100,100,100,EXS,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "AcademicYear", Reason: "missing value", Action: "row"}},
		},
		{
			name:   "scaled score outside 80-120 is nulled and recorded, the row loads",
			data:   header + upn1 + ",A,8512001,2018-19,121,79,100,EXS,\n",
			loaded: 1, nulled: 2,
			want: []loadtest.Want{
				{Line: 2, Column: "MatScaled", Reason: "not a score from 80 to 120 or a code", Action: "value"},
				{Line: 2, Column: "ReadScaled", Reason: "not a score from 80 to 120 or a code", Action: "value"},
			},
		},
		{
			name:   "unknown test and writing codes are nulled and recorded",
			data:   header + upn1 + ",A,8512001,2018-19,Z,100,100,EXP+,\n",
			loaded: 1, nulled: 2,
			want: []loadtest.Want{
				{Line: 2, Column: "ReadScaled", Reason: "not a score from 80 to 120 or a code", Action: "value"},
				{Line: 2, Column: "WritTA", Reason: "not a valid code", Action: "value"},
			},
		},
		{
			name:   "progress score out of range is nulled and recorded",
			data:   header + upn1 + ",A,8512001,2018-19,100,100,100,EXS,55\n",
			loaded: 1, nulled: 1,
			want: []loadtest.Want{{Line: 2, Column: "ReadProgress", Reason: "out of range", Action: "value"}},
		},
		{
			name:   "no school key quarantines the row",
			data:   header + upn1 + ",A,85,2018-19,100,100,100,EXS,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{
				{Line: 2, Column: "LAESTAB", Reason: "no valid school key", Action: "row"},
				{Line: 2, Column: "LAESTAB", Reason: "not a LAESTAB", Action: "value"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Load(ks2.Source, loadtest.Write(t, t.TempDir(), "ks2.csv", []byte(tt.data)))
			if res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quarantined || res.ValuesNulled != tt.nulled {
				t.Errorf("loaded/quarantined/nulled = %d/%d/%d, want %d/%d/%d",
					res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, tt.loaded, tt.quarantined, tt.nulled)
			}
			db.CheckQuarantine(res.LoadID, tt.want)
		})
	}
}

// Academic years in all three formats, scores beside their codes, and an
// XLSX export with title rows.
func TestValues(t *testing.T) {
	db := loadtest.Open(t)
	dir := t.TempDir()
	db.Load(ks2.Source, loadtest.Write(t, dir, "ks2.csv", []byte(
		"UPN,LAESTAB,Academic year,Reading scaled score,Maths scaled score,GPS,Writing TA\n"+
			upn1+",8512001,2014/15,101,B,,GDS\n"+
			upn2+",8512001,2014-15,a,99.0,100,Working towards\n")))
	res := db.Load(ks2.Source, loadtest.XLSX(t, dir, "ks2.xlsx", [][]any{
		{"KS2 results 2015"},
		{"Exported from the MIS"},
		{"UPN", "URN", "AcademicYear", "ReadScaled", "MatScaled", "GPSScaled", "WritTA"},
		{upn3, 123456, 201415, 110, 111, "M", "EXS"},
		nil,
		{upn4, 123456, "201415", 80, 80, 80, "PK 2"},
	}))
	if res.HeaderLine != 3 || res.Blank != 1 || res.RowsLoaded != 2 {
		t.Errorf("xlsx: header line %d, blank %d, loaded %d", res.HeaderLine, res.Blank, res.RowsLoaded)
	}
	got := db.String(`SELECT string_agg(concat_ws('|', ` + loadtest.NullsShown("laestab, urn, academic_year, read_scaled, read_scaled_code, mat_scaled, mat_scaled_code, writ_ta") + `), ' ' ORDER BY _load_id, _line) FROM raw.ks2`)
	want := "8512001|NULL|201415|101.0|NULL|NULL|B|GDS " +
		"8512001|NULL|201415|NULL|A|99.0|NULL|WTS " +
		"NULL|123456|201415|110.0|NULL|111.0|NULL|EXS " +
		"NULL|123456|201415|80.0|NULL|80.0|NULL|PK2"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := db.String(`SELECT string_agg(CAST(line AS VARCHAR), ',' ORDER BY line) FROM ops.quarantine`); got != "NULL" {
		t.Errorf("quarantine lines %s", got)
	}
}

// The KS2 flags of mart.attainment, pupil by pupil, at the default
// thresholds and with the expected score raised by a parameter.
func TestAttainmentFlags(t *testing.T) {
	db := loadtest.Open(t)
	db.Load(ks2.Source, loadtest.Write(t, t.TempDir(), "ks2.csv", []byte(
		"UPN,LAESTAB,AcademicYear,ReadScaled,MatScaled,GPSScaled,WritTA\n"+
			loadtest.UPN1+",8512001,2018/19,100,100,100,EXS\n"+ // expected, not high
			loadtest.UPN2+",8512001,2018/19,110,112,115,GDS\n"+ // high
			loadtest.UPN3+",8512001,2018/19,110,109,100,GDS\n"+ // maths 109: not high
			loadtest.UPN4+",8512001,2018/19,B,105,100,EXS\n"+ // below the test: in, not met
			loadtest.UPN5+",8512001,2018/19,L,105,100,EXS\n"+ // left: out of the measure
			loadtest.UPN6+",8512001,2018/19,120,120,120,WTS\n"+ // writing working towards
			loadtest.UPN7+",8512001,2018/19,99,100,A,PK6\n"+ // reading 99, GPS absent, writing pre-key stage
			loadtest.UPN8+",8512001,2018/19,105,105,105,F\n"))) // writing in future: out
	db.Models()
	const cols = "read_expected, read_high, mat_expected, gps_expected, writ_expected, writ_gds, rwm_expected, rwm_high"
	tests := []struct{ name, upn, want string }{
		{"all at 100 and EXS", loadtest.UPN1, "true|false|true|true|true|false|true|false"},
		{"all high and GDS", loadtest.UPN2, "true|true|true|true|true|true|true|true"},
		{"maths 109 is not high", loadtest.UPN3, "true|true|true|true|true|true|true|false"},
		{"B counts as not met", loadtest.UPN4, "false|false|true|true|true|false|false|false"},
		{"L is out of the measure", loadtest.UPN5, "NULL|NULL|true|true|true|false|NULL|NULL"},
		{"writing WTS fails RWM", loadtest.UPN6, "true|true|true|true|false|false|false|false"},
		{"99, absent, PK6", loadtest.UPN7, "false|false|true|false|false|false|false|false"},
		{"writing F is out of the measure", loadtest.UPN8, "true|false|true|true|NULL|NULL|NULL|NULL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.String(`SELECT concat_ws('|', `+loadtest.NullsShown(cols)+`) FROM mart.attainment
				WHERE pupil_key = edwh_pupil_key(?) AND key_stage = 'ks2'`, tt.upn)
			if got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", cols, got, tt.want)
			}
		})
	}
	db.Exec(`SET VARIABLE edwh_ks2_expected_score = 101`)
	db.Models()
	if got := db.String(`SELECT read_expected FROM mart.attainment WHERE pupil_key = edwh_pupil_key(?)`, loadtest.UPN1); got != "false" {
		t.Errorf("with ks2_expected_score 101, reading 100 is expected: %s", got)
	}
}
