package audit_test

import (
	"testing"
	"time"

	"github.com/edwh/edwh/connectors/audit"
	"github.com/edwh/edwh/connectors/internal/loadtest"
	"github.com/edwh/edwh/connectors/interventions"
)

const header = "URN,AuditDate,Stage,Area,Item,Rating,ScaleMax,Score,Evidence,Completed by\n"

func TestLoad(t *testing.T) {
	tests := []struct {
		name                        string
		data                        string
		loaded, quarantined, nulled int64
		want                        []loadtest.Want
	}{
		{
			name: "RAG letters and words, numbers on a declared scale or up to 10",
			data: header +
				"100001,20/09/2016,pre,Leadership,SENCO on SLT,R,,,Minutes,Ms Smith\n" +
				"100001,20/09/2016,Baseline,Leadership,Governor,amber,,,,\n" +
				"100001,20/09/2016,,Leadership,Budget,Green,,2,,\n" +
				"100001,20/09/2016,post,Leadership,Training,4,4,,,\n" +
				"100001,20/09/2016,interim,Leadership,Plan,7,,,,\n",
			loaded: 5,
		},
		{
			name: "a rating that is neither RAG nor a number on the scale quarantines the row",
			data: header +
				"100001,20/09/2016,pre,Leadership,A,Purple,,,,\n" +
				"100001,20/09/2016,pre,Leadership,B,5,4,,,\n" +
				"100001,20/09/2016,pre,Leadership,C,11,,,,\n",
			loaded: 0, quarantined: 3,
			want: []loadtest.Want{
				{Line: 2, Column: "Rating", Reason: "not a rating", Action: "row"},
				{Line: 3, Column: "Rating", Reason: "not a rating", Action: "row"},
				{Line: 4, Column: "Rating", Reason: "not a rating", Action: "row"},
			},
		},
		{
			name: "missing audit date, area or rating quarantines the row",
			data: header +
				"100001,,pre,Leadership,A,R,,,,\n" +
				"100001,20/09/2016,pre,,A,R,,,,\n" +
				"100001,20/09/2016,pre,Leadership,A,,,,,\n",
			loaded: 0, quarantined: 3,
			want: []loadtest.Want{
				{Line: 2, Column: "AuditDate", Reason: "missing value", Action: "row"},
				{Line: 3, Column: "Area", Reason: "missing value", Action: "row"},
				{Line: 4, Column: "Rating", Reason: "missing value", Action: "row"},
			},
		},
		{
			name:   "an audit date in the future quarantines the row",
			data:   header + "100001,01/01/2090,pre,Leadership,A,R,,,,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "AuditDate", Reason: "audit date out of range", Action: "row"}},
		},
		{
			name:   "an unknown stage is nulled and recorded",
			data:   header + "100001,20/09/2016,halfway,Leadership,A,R,,,,\n",
			loaded: 1, nulled: 1,
			want: []loadtest.Want{{Line: 2, Column: "Stage", Reason: "not a valid code", Action: "value"}},
		},
		{
			name:   "no school key quarantines the row",
			data:   header + ",20/09/2016,pre,Leadership,A,R,,,,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "laestab", Reason: "no valid school key", Action: "row"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Load(audit.Source, loadtest.Write(t, t.TempDir(), "audit.csv", []byte(tt.data)))
			if res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quarantined || res.ValuesNulled != tt.nulled {
				t.Errorf("loaded/quarantined/nulled = %d/%d/%d, want %d/%d/%d",
					res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, tt.loaded, tt.quarantined, tt.nulled)
			}
			db.CheckQuarantine(res.LoadID, tt.want)
		})
	}
}

// stg.audit from a workbook with title rows: ratings scored, areas in their
// standard spelling, and stages derived from the programme dates where the
// file leaves them blank.
func TestStaging(t *testing.T) {
	db := loadtest.Open(t)
	dir := t.TempDir()
	db.Exec(`INSERT INTO raw_rows.establishments (_load_id, _file, _line, urn, la, estab, name) VALUES
		(0, 'gias.csv', 2, 100001, 851, 2001, 'Oak Primary School'),
		(0, 'gias.csv', 3, 100002, 851, 2002, 'Ash Primary School')`)
	db.Load(interventions.Source, loadtest.Write(t, dir, "register.csv", []byte(
		"Programme,School,Role,StartDate,EndDate\nSEND Triads,100001,participant,01/09/2016,31/08/2018\n")))
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	res := db.Load(audit.Source, loadtest.XLSX(t, dir, "send_audit.xlsx", [][]any{
		{"SEND Review — self-evaluation export"},
		{"Exported 01/12/2017"},
		{"URN", "AuditDate", "Stage", "Area", "Item", "Rating", "Score", "Evidence"},
		{100001, day("2016-09-20"), nil, "Leadership", "SENCO on SLT", "Red", nil, "Minutes"},                // 19 days in: pre
		{100001, day("2017-03-01"), nil, "leadership ", "SENCO on SLT", "A", nil, nil},                       // during: interim
		{100001, day("2017-10-02"), nil, "LEADERSHIP", "SENCO on SLT", "G", nil, nil},                        // last, 396 days in: post
		{100002, day("2016-10-01"), nil, "Identification, monitoring and tracking", "Register", 3, nil, nil}, // no programme
		{100002, day("2017-10-01"), "Post", "Developing provision", "Map", 4, nil, nil},                      // stage given
	}))
	if res.HeaderLine != 3 || res.RowsLoaded != 5 {
		t.Fatalf("header line %d, loaded %d", res.HeaderLine, res.RowsLoaded)
	}
	checks := db.Models()
	if checks["not_null(stg.audit.stage)"] != 1 {
		t.Errorf("not_null(stg.audit.stage) (warn): %d rows, want 1 (%v)", checks["not_null(stg.audit.stage)"], checks)
	}
	const cols = "programme, stage, stage_source, area, rating, rag, rating_score, scale_max"
	tests := []struct {
		name, date string
		urn        int
		want       string
	}{
		{"19 days after the start: pre", "2016-09-20", 100001, "SEND Triads|pre|derived|Leadership|R|R|1.0|3.0"},
		{"during the programme: interim", "2017-03-01", 100001, "SEND Triads|interim|derived|Leadership|A|A|2.0|3.0"},
		{"last audit, a year in: post", "2017-10-02", 100001, "SEND Triads|post|derived|Leadership|G|G|3.0|3.0"},
		{"no programme: unknown", "2016-10-01", 100002, "NULL|NULL|unknown|Identification monitoring and tracking|3|NULL|3.0|4.0"},
		{"stage given", "2017-10-01", 100002, "NULL|post|given|Developing provision|4|NULL|4.0|4.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.String(`SELECT concat_ws('|', `+loadtest.NullsShown(cols)+`) FROM stg.audit WHERE urn = ? AND audit_date = CAST(? AS DATE)`, tt.urn, tt.date)
			if got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", cols, got, tt.want)
			}
		})
	}
	// The windows are parameters.
	db.Exec(`SET VARIABLE edwh_audit_pre_window_days = 10`)
	db.Models()
	if got := db.String(`SELECT stage FROM stg.audit WHERE audit_date = DATE '2016-09-20'`); got != "interim" {
		t.Errorf("with a 10-day pre window, 19 days in is %s", got)
	}
}

// A re-export of one school's audit on one date supersedes that audit only.
func TestSupersede(t *testing.T) {
	db := loadtest.Open(t)
	dir := t.TempDir()
	first := db.Load(audit.Source, loadtest.Write(t, dir, "audit.csv", []byte(header+
		"100001,20/09/2016,pre,Leadership,A,R,,,,\n"+
		"100001,20/09/2016,pre,Leadership,B,R,,,,\n"+
		"100001,02/10/2017,post,Leadership,A,A,,,,\n")))
	second := db.Load(audit.Source, loadtest.Write(t, dir, "audit_fixed.csv", []byte(header+
		"100001,20/09/2016,pre,Leadership,A,G,,,,\n")))
	if len(second.Supersedes) != 1 || second.Supersedes[0] != first.LoadID {
		t.Errorf("supersedes %v, want [%d]", second.Supersedes, first.LoadID)
	}
	db.Models()
	if got := db.String(`SELECT string_agg(audit_date || ':' || item || ':' || rating, ',' ORDER BY audit_date, item) FROM stg.audit`); got != "2016-09-20:A:G,2017-10-02:A:A" {
		t.Errorf("in force: %s", got)
	}
}
