package attendance_test

import (
	"math"
	"testing"

	"github.com/edwh/edwh/connectors/attendance"
	"github.com/edwh/edwh/connectors/internal/loadtest"
)

const header = "UPN,LAESTAB,AcademicYear,Term,SessionsPossible,SessionsAuthorised,SessionsUnauthorised\n"

func TestLoad(t *testing.T) {
	u := loadtest.UPN1
	tests := []struct {
		name                        string
		data                        string
		loaded, quarantined, nulled int64
		want                        []loadtest.Want
	}{
		{
			name: "terms, a whole year and term spellings",
			data: header +
				u + ",8512001,2018/19,Autumn,140,10,0\n" +
				u + ",8512001,2018/19,spring term,120,0,0\n" +
				u + ",8512001,2018/19,SUM,130,0,130\n" + // absent every session: allowed
				loadtest.UPN2 + ",8512001,2018/19,Year,380,12,3\n",
			loaded: 4,
		},
		{
			name:   "absence greater than possible sessions quarantines the row",
			data:   header + u + ",8512001,2018/19,Autumn,140,100,41\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "SessionsPossible", Reason: "absence (authorised + unauthorised sessions) is greater than the possible sessions", Action: "row"}},
		},
		{
			name:   "negative sessions quarantine the row",
			data:   header + u + ",8512001,2018/19,Autumn,140,-3,0\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "SessionsAuthorised", Reason: "out of range: expected from 0 to 400", Action: "row"}},
		},
		{
			name:   "a term of more than 200 sessions quarantines the row",
			data:   header + u + ",8512001,2018/19,Spring,380,0,0\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "SessionsPossible", Reason: "more than 200 possible sessions in one term", Action: "row"}},
		},
		{
			name:   "unknown term quarantines the row",
			data:   header + u + ",8512001,2018/19,Winter,100,0,0\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "Term", Reason: "not a valid code", Action: "row"}},
		},
		{
			name:   "missing possible sessions quarantines the row",
			data:   header + u + ",8512001,2018/19,Autumn,,0,0\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "SessionsPossible", Reason: "missing value", Action: "row"}},
		},
		{
			name: "reason columns load; a bad reason count is nulled and recorded",
			data: "UPN,LAESTAB,AcademicYear,Term,SessionsPossible,SessionsAuthorised,SessionsUnauthorised,I,M,O,G\n" +
				u + ",8512001,2018/19,Autumn,140,10,4,8,2,4,\n" +
				loadtest.UPN2 + ",8512001,2018/19,Autumn,140,10,4,x,,,\n",
			loaded: 2, nulled: 1,
			want: []loadtest.Want{{Line: 3, Column: "I", Reason: "not a whole number", Action: "value"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Load(attendance.Source, loadtest.Write(t, t.TempDir(), "attendance.csv", []byte(tt.data)))
			if res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quarantined || res.ValuesNulled != tt.nulled {
				t.Errorf("loaded/quarantined/nulled = %d/%d/%d, want %d/%d/%d",
					res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, tt.loaded, tt.quarantined, tt.nulled)
			}
			db.CheckQuarantine(res.LoadID, tt.want)
		})
	}
}

// mart.attendance on hand-checked pupils: terms from separate files add
// up, a corrected term supersedes only itself, the rate is a rate of sums
// over the pupil's own possible sessions, and a mover has a row per school.
func TestMart(t *testing.T) {
	db := loadtest.Open(t)
	dir := t.TempDir()
	autumn := loadtest.UPN2 + ",8512001,2018/19,Autumn,100,10,0\n" + // exactly 10%
		loadtest.UPN3 + ",8512001,2018/19,Autumn,100,30,20\n" + // exactly 50%
		loadtest.UPN4 + ",8512001,2018/19,Autumn,0,0,0\n" + // no possible sessions
		loadtest.UPN5 + ",8512001,2018/19,Autumn,140,7,0\n" // mover: autumn here
	db.Load(attendance.Source, loadtest.Write(t, dir, "autumn.csv", []byte(header+
		loadtest.UPN1+",8512001,2018/19,Autumn,140,99,0\n"+autumn))) // UPN1 corrected below
	db.Load(attendance.Source, loadtest.Write(t, dir, "spring.csv", []byte(header+
		loadtest.UPN1+",8512001,2018/19,Spring,120,5,0\n"+
		loadtest.UPN5+",8512002,2018/19,Spring,120,0,0\n"))) // mover: spring at another school
	db.Load(attendance.Source, loadtest.Write(t, dir, "summer.csv", []byte(header+
		loadtest.UPN1+",8512001,2018/19,Summer,130,20,10\n"+
		loadtest.UPN6+",8512001,2018/19,Summer,130,0,0\n"+ // terms and a year row that disagree
		loadtest.UPN6+",8512001,2018/19,Year,390,20,0\n")))
	// A corrected autumn return for the school, with every pupil again.
	re := db.Load(attendance.Source, loadtest.Write(t, dir, "autumn_corrected.csv", []byte(header+
		loadtest.UPN1+",8512001,2018/19,Autumn,140,10,0\n"+autumn)))
	if len(re.Supersedes) != 1 {
		t.Errorf("the corrected autumn supersedes %v", re.Supersedes)
	}
	checks := db.Models()
	if checks["attendance_terms_add_up"] != 1 {
		t.Errorf("attendance_terms_add_up: %d rows, want 1 (%v)", checks["attendance_terms_add_up"], checks)
	}

	tests := []struct {
		name, upn, laestab string
		possible, absent   int64
		rate               float64 // NaN for NULL
		persistent, severe string
		basis              string
	}{
		{"three terms: 45 / 390", loadtest.UPN1, "8512001", 390, 45, 100 * 45.0 / 390, "true", "false", "terms"},
		{"exactly 10% is persistent", loadtest.UPN2, "8512001", 100, 10, 10, "true", "false", "terms"},
		{"exactly 50% is severe", loadtest.UPN3, "8512001", 100, 50, 50, "true", "true", "terms"},
		{"no possible sessions: no rate", loadtest.UPN4, "8512001", 0, 0, math.NaN(), "NULL", "NULL", "terms"},
		{"mover, first school", loadtest.UPN5, "8512001", 140, 7, 5, "false", "false", "terms"},
		{"mover, second school", loadtest.UPN5, "8512002", 120, 0, 0, "false", "false", "terms"},
		{"year row wins over terms", loadtest.UPN6, "8512001", 390, 20, 100 * 20.0 / 390, "false", "false", "year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := ` FROM mart.attendance WHERE pupil_key = edwh_pupil_key(?) AND laestab = ?`
			if n := db.Int(`SELECT count(*)`+q, tt.upn, tt.laestab); n != 1 {
				t.Fatalf("%d rows", n)
			}
			possible := db.Int(`SELECT sessions_possible`+q, tt.upn, tt.laestab)
			absent := db.Int(`SELECT sessions_absent`+q, tt.upn, tt.laestab)
			rate, ok := db.Float(`SELECT absence_rate`+q, tt.upn, tt.laestab)
			if possible != tt.possible || absent != tt.absent {
				t.Errorf("possible %d absent %d, want %d %d", possible, absent, tt.possible, tt.absent)
			}
			if math.IsNaN(tt.rate) != !ok || (ok && math.Abs(rate-tt.rate) > 1e-9) {
				t.Errorf("absence rate %v (valid %v), want %v", rate, ok, tt.rate)
			}
			if got := db.String(`SELECT concat_ws('|', `+loadtest.NullsShown("persistent_absentee, severely_absent, basis")+`)`+q, tt.upn, tt.laestab); got != tt.persistent+"|"+tt.severe+"|"+tt.basis {
				t.Errorf("persistent|severe|basis = %s", got)
			}
		})
	}
	if got := db.String(`SELECT round(absence_rate, 2) FROM mart.attendance WHERE pupil_key = edwh_pupil_key(?)`, loadtest.UPN1); got != "11.54" {
		t.Errorf("rounded rate %s, want 11.54", got)
	}
	// The persistent absence threshold is a parameter.
	db.Exec(`SET VARIABLE edwh_persistent_absence_pct = 12`)
	db.Models()
	if got := db.String(`SELECT persistent_absentee FROM mart.attendance WHERE pupil_key = edwh_pupil_key(?)`, loadtest.UPN1); got != "false" {
		t.Errorf("at 12%%, 11.54%% is persistent: %s", got)
	}
}
