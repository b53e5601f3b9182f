package exclusions_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors/census"
	"github.com/edwh/edwh/connectors/exclusions"
	"github.com/edwh/edwh/connectors/internal/loadtest"
)

const header = "UPN,Surname,LAESTAB,Category,StartDate,Sessions,Reason1,Reason2,Reason3\n"

func TestLoad(t *testing.T) {
	u := loadtest.UPN1
	tests := []struct {
		name                        string
		data                        string
		loaded, quarantined, nulled int64
		want                        []loadtest.Want
	}{
		{
			name: "legacy FIXD, permanent and lunchtime exclusions, up to three reasons",
			data: header +
				u + ",S,8512001,FIXD,22/09/2014,2,DB,,\n" +
				u + ",S,8512001,SUSP,2021-01-12,0.5,VA,MT,OW\n" +
				u + ",S,8512001,Perm,03/03/2022,,PA,,\n" +
				u + ",S,8512001,LNCH,04/03/2022,1,ds,lg,ph\n",
			loaded: 4,
		},
		{
			name:   "unknown category quarantines the row",
			data:   header + u + ",S,8512001,TEMP,22/09/2014,2,DB,,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "Category", Reason: "not a valid code", Action: "row"}},
		},
		{
			name: "start dates out of range or not dates quarantine the row",
			data: header +
				u + ",S,8512001,SUSP,01/01/2099,2,DB,,\n" +
				u + ",S,8512001,SUSP,01/01/1900,2,DB,,\n" +
				u + ",S,8512001,SUSP,01/01/1899,2,DB,,\n" +
				u + ",S,8512001,SUSP,12/25/2018,2,DB,,\n" + // US order is never read
				u + ",S,8512001,SUSP,,2,DB,,\n",
			loaded: 0, quarantined: 5,
			want: []loadtest.Want{
				{Line: 2, Column: "StartDate", Reason: "start date out of range", Action: "row"},
				{Line: 3, Column: "StartDate", Reason: "start date out of range", Action: "row"},
				{Line: 4, Column: "StartDate", Reason: "not a date", Action: "row"},
				{Line: 5, Column: "StartDate", Reason: "not a date", Action: "row"},
				{Line: 6, Column: "StartDate", Reason: "missing value", Action: "row"},
			},
		},
		{
			name:   "bad UPN quarantines the row",
			data:   header + loadtest.BadUPN + ",S,8512001,SUSP,22/09/2014,2,DB,,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "UPN", Reason: "UPN check letter is wrong", Action: "row"}},
		},
		{
			name:   "unknown reason code and too many sessions are nulled and recorded",
			data:   header + u + ",S,8512001,SUSP,22/09/2014,91,DB,XX,\n",
			loaded: 1, nulled: 2,
			want: []loadtest.Want{
				{Line: 2, Column: "Reason2", Reason: "not a valid code", Action: "value"},
				{Line: 2, Column: "Sessions", Reason: "out of range: expected from 0 to 90", Action: "value"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Load(exclusions.Source, loadtest.Write(t, t.TempDir(), "exclusions.csv", []byte(tt.data)))
			if res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quarantined || res.ValuesNulled != tt.nulled {
				t.Errorf("loaded/quarantined/nulled = %d/%d/%d, want %d/%d/%d",
					res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, tt.loaded, tt.quarantined, tt.nulled)
			}
			db.CheckQuarantine(res.LoadID, tt.want)
		})
	}
	db := loadtest.Open(t)
	db.Load(exclusions.Source, loadtest.Write(t, t.TempDir(), "x.csv", []byte(tests[0].data)))
	if got := db.String(`SELECT string_agg(category, ',' ORDER BY _line) FROM raw.exclusions`); got != "SUSP,SUSP,PERM,LNCH" {
		t.Errorf("categories %s", got)
	}
}

// mart.exclusions on a hand-checked LA: three schools with 10, 4 and 8
// pupils on roll in the spring census.
func TestMart(t *testing.T) {
	db := loadtest.Open(t)
	dir := t.TempDir()
	db.Exec(`INSERT INTO raw_rows.establishments (_load_id, _file, _line, urn, la, estab, name) VALUES
		(0, 'gias.csv', 2, 100001, 851, 2001, 'School A'),
		(0, 'gias.csv', 3, 100002, 851, 2002, 'School B'),
		(0, 'gias.csv', 4, 100003, 851, 2003, 'School C')`)
	var roll strings.Builder
	roll.WriteString("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n")
	for school, n := range map[int]int{8512001: 10, 8512002: 4, 8512003: 8} {
		for i := 0; i < n; i++ {
			fmt.Fprintf(&roll, "%s,%d,17/01/2019,5,N,0\n", loadtest.UPN(school%10*100+i), school)
		}
	}
	db.Load(census.Source, loadtest.Write(t, dir, "census.csv", []byte(roll.String())))
	a, b := func(i int) string { return loadtest.UPN(100 + i) }, func(i int) string { return loadtest.UPN(200 + i) }
	db.Load(exclusions.Source, loadtest.Write(t, dir, "exclusions.csv", []byte(header+
		a(0)+",S,8512001,FIXD,01/10/2018,2,DB,,\n"+
		a(0)+",S,8512001,SUSP,01/02/2019,3,DB,,\n"+
		a(1)+",S,8512001,SUSP,05/02/2019,1,VA,,\n"+
		a(2)+",S,8512001,PERM,06/03/2019,,PA,,\n"+
		a(3)+",S,8512001,LNCH,07/03/2019,1,DB,,\n"+
		b(0)+",S,8512002,SUSP,07/03/2019,2,DB,,\n")))
	db.Models()

	const cols = "headcount, suspensions, suspension_sessions, one_plus_suspension, permanent_exclusions, lunchtime_exclusions, " +
		"suspension_rate, one_plus_suspension_rate, permanent_exclusion_rate, suppressed"
	school := func(urn int) string {
		return db.String(`SELECT concat_ws('|', `+loadtest.NullsShown(cols)+`) FROM mart.exclusions
			WHERE level = 'school' AND urn = ? AND time_period = 201819`, urn)
	}
	pupilRow := func(upn string) string {
		return db.String(`SELECT concat_ws('|', `+loadtest.NullsShown(cols)+`) FROM mart.exclusions
			WHERE level = 'pupil' AND pupil_key = edwh_pupil_key(?)`, upn)
	}
	tests := []struct{ name, got, want string }{
		{"school A: rates per 100 on roll", school(100001), "10|3|6.0|2|1|1|30.0|20.0|10.0|false"},
		{"school B: 4 on roll, suppressed", school(100002), "NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|true"},
		{"school C: no exclusions, zeros", school(100003), "8|0|0.0|0|0|0|0.0|0.0|0.0|false"},
		{"pupil with a FIXD and a SUSP", pupilRow(a(0)), "NULL|2|5.0|1|0|0|NULL|NULL|NULL|false"},
		{"pupil permanently excluded", pupilRow(a(2)), "NULL|0|0.0|0|1|0|NULL|NULL|NULL|false"},
		{"pupil with a lunchtime exclusion", pupilRow(a(3)), "NULL|0|0.0|0|0|1|NULL|NULL|NULL|false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", cols, tt.got, tt.want)
			}
		})
	}
	if n := db.Int(`SELECT count(*) FROM mart.exclusions WHERE level = 'pupil'`); n != 5 {
		t.Errorf("%d pupil rows, want 5", n)
	}
	// Lunchtime exclusions count as suspensions when the parameter says so.
	db.Exec(`SET VARIABLE edwh_lunchtime_as_suspension = 1`)
	db.Models()
	if got := school(100001); got != "10|4|7.0|3|1|1|40.0|30.0|10.0|false" {
		t.Errorf("with lunchtime_as_suspension = 1: %s", got)
	}
}

// A year-to-date extract supersedes the earlier extract of its school and
// year; termly extracts would lose the earlier terms, and the
// exclusions_superseded_uncovered check says so.
func TestSupersede(t *testing.T) {
	tests := []struct {
		name      string
		second    string // the second file, for school 8512001
		inForce   string // start dates in stg.exclusions, by school
		uncovered int64
	}{
		{
			name: "year to date re-issue replaces the school's year",
			second: header +
				loadtest.UPN1 + ",S,8512001,SUSP,01/10/2018,2,DB,,\n" +
				loadtest.UPN2 + ",S,8512001,SUSP,04/02/2019,1,DB,,\n",
			inForce:   "8512001:2018-10-01,8512001:2019-02-04,8512002:2018-10-02",
			uncovered: 0,
		},
		{
			name:      "a spring-only file drops the autumn exclusions, and the check warns",
			second:    header + loadtest.UPN2 + ",S,8512001,SUSP,04/02/2019,1,DB,,\n",
			inForce:   "8512001:2019-02-04,8512002:2018-10-02",
			uncovered: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			dir := t.TempDir()
			first := db.Load(exclusions.Source, loadtest.Write(t, dir, "autumn.csv", []byte(header+
				loadtest.UPN1+",S,8512001,FIXD,01/10/2018,2,DB,,\n"+
				loadtest.UPN3+",S,8512002,FIXD,02/10/2018,2,DB,,\n")))
			second := db.Load(exclusions.Source, loadtest.Write(t, dir, "second.csv", []byte(tt.second)))
			if len(second.Supersedes) != 1 || second.Supersedes[0] != first.LoadID {
				t.Errorf("supersedes %v, want [%d]", second.Supersedes, first.LoadID)
			}
			checks := db.Models()
			if got := db.String(`SELECT string_agg(laestab || ':' || start_date, ',' ORDER BY laestab, start_date) FROM stg.exclusions`); got != tt.inForce {
				t.Errorf("in force %s, want %s", got, tt.inForce)
			}
			if checks["exclusions_superseded_uncovered"] != tt.uncovered {
				t.Errorf("exclusions_superseded_uncovered: %d rows, want %d", checks["exclusions_superseded_uncovered"], tt.uncovered)
			}
		})
	}
}
