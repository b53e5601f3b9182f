package interventions_test

import (
	"testing"
	"time"

	"github.com/edwh/edwh/connectors/internal/loadtest"
	"github.com/edwh/edwh/connectors/interventions"
)

const header = "Programme,School,Role,GroupId,StartDate,EndDate,Lead,Cost\n"

func TestLoad(t *testing.T) {
	tests := []struct {
		name                        string
		data                        string
		loaded, quarantined, nulled int64
		want                        []loadtest.Want
	}{
		{
			name: "URN, LAESTAB or name; roles, leads and costs as written by hand",
			data: header +
				"SEND Triads,100001,Coach,T1,01/09/2016,31/08/2018,Headteacher,\"18,000\"\n" +
				"SEND Triads,851/2002,participant,T1,2016-09-01,,SENDCO,15000\n" +
				"SEND Triads,St Mary's CE Primary,Participant,T1,01/09/2016,31/08/2018,teacher,15000.00\n" +
				"SEND Triads,Hill School,Control,,01/09/2016,,,\n",
			loaded: 4,
		},
		{
			name:   "missing programme quarantines the row",
			data:   header + ",100001,coach,T1,01/09/2016,,head,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "Programme", Reason: "missing value", Action: "row"}},
		},
		{
			name:   "unknown role quarantines the row",
			data:   header + "SEND Triads,100001,observer,T1,01/09/2016,,head,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "Role", Reason: "not a valid code", Action: "row"}},
		},
		{
			name:   "no school quarantines the row",
			data:   header + "SEND Triads,,coach,T1,01/09/2016,,head,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "School", Reason: "no school", Action: "row"}},
		},
		{
			name:   "end before start quarantines the row",
			data:   header + "SEND Triads,100001,coach,T1,01/09/2016,31/08/2016,head,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "EndDate", Reason: "end date before start date", Action: "row"}},
		},
		{
			name:   "missing start date quarantines the row",
			data:   header + "SEND Triads,100001,coach,T1,,,head,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "StartDate", Reason: "missing value", Action: "row"}},
		},
		{
			name:   "unknown lead and a cost in words are nulled and recorded",
			data:   header + "SEND Triads,100001,coach,T1,01/09/2016,,governor,lots\n",
			loaded: 1, nulled: 2,
			want: []loadtest.Want{
				{Line: 2, Column: "Cost", Reason: "not a number", Action: "value"},
				{Line: 2, Column: "Lead", Reason: "not a valid code", Action: "value"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Load(interventions.Source, loadtest.Write(t, t.TempDir(), "register.csv", []byte(tt.data)))
			if res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quarantined || res.ValuesNulled != tt.nulled {
				t.Errorf("loaded/quarantined/nulled = %d/%d/%d, want %d/%d/%d",
					res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, tt.loaded, tt.quarantined, tt.nulled)
			}
			db.CheckQuarantine(res.LoadID, tt.want)
		})
	}
}

// A register kept by hand in Excel: blank rows, trailing spaces, date
// cells, and schools given by name. Names resolve through the
// establishments reference; one that does not is kept and reported with
// candidates; a new register for a programme supersedes only that one.
func TestRegister(t *testing.T) {
	db := loadtest.Open(t)
	db.Exec(`INSERT INTO raw_rows.establishments (_load_id, _file, _line, urn, la, estab, name, close_date) VALUES
		(0, 'gias.csv', 2, 100001, 851, 2001, 'Oak Primary School', NULL),
		(0, 'gias.csv', 3, 100002, 851, 2002, 'St Mary''s CE Primary School', NULL),
		(0, 'gias.csv', 4, 100003, 852, 2002, 'St Mary''s CE Primary School', NULL),
		(0, 'gias.csv', 5, 100004, 851, 2004, 'Elm & Ash Academy', NULL),
		(0, 'gias.csv', 6, 100005, 851, 2005, 'Hill Primary School', NULL),
		(0, 'gias.csv', 7, 100006, 851, 2006, 'Hill Primary School', NULL)`)
	// The LA's own pupils are at 851 schools.
	db.Exec(`INSERT INTO raw_rows.census (_load_id, _file, _line, upn, laestab, census_date, nc_year, sen_provision, fsm_eligible)
		VALUES (0, 'census.csv', 2, '` + loadtest.UPN1 + `', 8512001, DATE '2017-01-19', '5', 'N', false)`)
	start := time.Date(2016, 9, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2018, 8, 31, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	db.Load(interventions.Source, loadtest.XLSX(t, dir, "register.xlsx", [][]any{
		{"Programme", "School", "Role", "GroupId", "StartDate", "EndDate", "Lead", "Cost"},
		{"SEND Triads", 100001, "coach", "T1", start, end, "head", 18000},
		{"SEND Triads ", "st marys ce primary school", "participant ", "T1", start, end, "senco", 15000}, // in LA 851 and 852: 851 wins
		nil,
		{"SEND Triads", "Elm and Ash Academy", "participant", "T1", start, end, "teacher ", 15000}, // & spelled out
		{"SEND Triads", "Hill Primary School", "participant", "T2", start, end, "head", 15000},     // two in the LA: ambiguous
		{"SEND Triads", "Oak Primary", "participant", "T2", start, end, "head", 15000},             // not the full name
		{"Placebo Pairs", 8512004, "participant", "P1", start, end, "head", 8000},                  // LAESTAB
	}))
	checks := db.Models()
	if checks["interventions_unresolved_schools"] != 2 {
		t.Errorf("interventions_unresolved_schools: %d rows, want 2", checks["interventions_unresolved_schools"])
	}
	const cols = "programme, urn, resolved_by, role, lead, start_date, end_date, cost, candidates"
	tests := []struct {
		name string
		line int
		want string
	}{
		{"URN", 2, "SEND Triads|100001|urn|coach|head|2016-09-01|2018-08-31|18000.0|NULL"},
		{"name shared with another LA's school", 3, "SEND Triads|100002|name|participant|senco|2016-09-01|2018-08-31|15000.0|NULL"},
		{"& and 'and' are the same", 5, "SEND Triads|100004|name|participant|teacher|2016-09-01|2018-08-31|15000.0|NULL"},
		{"two schools of that name in the LA", 6,
			"SEND Triads|NULL|NULL|participant|head|2016-09-01|2018-08-31|15000.0|Hill Primary School (URN 100005) | Hill Primary School (URN 100006)"},
		{"a shortened name", 7,
			"SEND Triads|NULL|NULL|participant|head|2016-09-01|2018-08-31|15000.0|Oak Primary School (URN 100001)"},
		{"LAESTAB", 8, "Placebo Pairs|100004|laestab|participant|head|2016-09-01|2018-08-31|8000.0|NULL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.String(`SELECT concat_ws('|', `+loadtest.NullsShown(cols)+`) FROM stg.interventions WHERE line = ?`, tt.line)
			if got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", cols, got, tt.want)
			}
		})
	}

	// A new register for SEND Triads replaces its rows, not Placebo Pairs'.
	re := db.Load(interventions.Source, loadtest.Write(t, dir, "register_2017.csv", []byte(header+
		"SEND Triads,100001,coach,T1,01/09/2016,31/08/2018,head,18000\n")))
	if len(re.Supersedes) != 1 {
		t.Errorf("supersedes %v", re.Supersedes)
	}
	db.Models()
	if got := db.String(`SELECT string_agg(programme || ':' || urn, ',' ORDER BY programme) FROM stg.interventions`); got != "Placebo Pairs:100004,SEND Triads:100001" {
		t.Errorf("after the new register: %s", got)
	}
}
