package ks4_test

import (
	"testing"

	"github.com/edwh/edwh/connectors/internal/loadtest"
	"github.com/edwh/edwh/connectors/ks4"
)

const header = "URN,UPN,Surname,AcademicYear,Att8,Att8Eng,Att8Mat,Att8EBacc,Att8Open,KS2Baseline,P8,EnglishGrade,MathsGrade,EBaccEntered,EngMat94,EngMat95\n"

func TestLoad(t *testing.T) {
	tests := []struct {
		name                        string
		data                        string
		loaded, quarantined, nulled int64
		want                        []loadtest.Want
	}{
		{
			name: "URN as the only school key, all year formats, bounds of every score",
			data: header +
				"123456," + loadtest.UPN1 + ",S,2014/15,90,18,18,27,27,120,3.5,9,9,1,1,1\n" +
				"123456," + loadtest.UPN2 + ",S,2014-15,0,0,0,0,0,0,-15,0,0,0,0,0\n" +
				"123456," + loadtest.UPN3 + ",S,201415,45.5,,,,,27.3,,,,,,\n",
			loaded: 3,
		},
		{
			name:   "missing Attainment 8 quarantines the row",
			data:   header + "123456," + loadtest.UPN1 + ",S,2014/15,,10,10,10,10,,,5,5,0,1,1\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "Att8", Reason: "missing value", Action: "row"}},
		},
		{
			name:   "Attainment 8 above 90 quarantines the row",
			data:   header + "123456," + loadtest.UPN1 + ",S,2014/15,91,,,,,,,,,,,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "Att8", Reason: "out of range: expected from 0 to 90", Action: "row"}},
		},
		{
			name:   "bad UPN quarantines the row",
			data:   header + "123456," + loadtest.BadUPN + ",S,2014/15,40,,,,,,,,,,,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "UPN", Reason: "UPN check letter is wrong", Action: "row"}},
		},
		{
			name:   "element above its slots, grade 10, letter grade and a bad flag are nulled and recorded",
			data:   header + "123456," + loadtest.UPN1 + ",S,2014/15,40,19,,,,,,10,C,maybe,,\n",
			loaded: 1, nulled: 4,
			want: []loadtest.Want{
				{Line: 2, Column: "Att8Eng", Reason: "out of range: expected from 0 to 18", Action: "value"},
				{Line: 2, Column: "EBaccEntered", Reason: "not a yes/no value", Action: "value"},
				{Line: 2, Column: "EnglishGrade", Reason: "out of range: expected from 0 to 9", Action: "value"},
				{Line: 2, Column: "MathsGrade", Reason: "not a whole number", Action: "value"},
			},
		},
		{
			name:   "a URN of five digits is no school key",
			data:   header + "12345," + loadtest.UPN1 + ",S,2014/15,40,,,,,,,,,,,\n",
			loaded: 0, quarantined: 1,
			// The school key rule names LAESTAB even when the file keys by
			// URN (the framework reports the rule's column by field name).
			want: []loadtest.Want{
				{Line: 2, Column: "URN", Reason: "not a URN", Action: "value"},
				{Line: 2, Column: "laestab", Reason: "no valid school key", Action: "row"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Load(ks4.Source, loadtest.Write(t, t.TempDir(), "ks4.csv", []byte(tt.data)))
			if res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quarantined || res.ValuesNulled != tt.nulled {
				t.Errorf("loaded/quarantined/nulled = %d/%d/%d, want %d/%d/%d",
					res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, tt.loaded, tt.quarantined, tt.nulled)
			}
			db.CheckQuarantine(res.LoadID, tt.want)
		})
	}
}

// A re-issue supersedes its school's rows; the LAESTAB of a URN-keyed file
// comes from the establishments reference; the KS4 columns of
// mart.attainment.
func TestStagingAndMart(t *testing.T) {
	db := loadtest.Open(t)
	dir := t.TempDir()
	db.Exec(`INSERT INTO raw_rows.establishments (_load_id, _file, _line, urn, la, estab, name)
		VALUES (0, 'gias.csv', 2, 123456, 851, 4001, 'Demo Academy'), (0, 'gias.csv', 3, 123457, 851, 4002, 'Other School')`)
	db.Load(ks4.Source, loadtest.Write(t, dir, "ks4_2019.csv", []byte(header+
		"123456,"+loadtest.UPN1+",S,2018/19,50,10,12,14,14,105.5,0.42,5,6,1,,\n"+ // flags derived from grades
		"123456,"+loadtest.UPN2+",S,2018/19,30,8,6,8,7,,,4,3,0,1,0\n"+ // supplied flag wins; elements do not add up
		"123457,"+loadtest.UPN3+",S,2018/19,60,,,,,,,,,,,\n")))
	re := db.Load(ks4.Source, loadtest.Write(t, dir, "ks4_2019_123457_reissue.csv", []byte(header+
		"123457,"+loadtest.UPN3+",S,2018/19,62,,,,,,,,,,,\n")))
	if len(re.Supersedes) != 1 {
		t.Errorf("re-issue supersedes %v", re.Supersedes)
	}
	checks := db.Models()
	if checks["ks4_att8_elements"] != 1 {
		t.Errorf("ks4_att8_elements: %d failing rows, want 1 (%v)", checks["ks4_att8_elements"], checks)
	}
	const cols = "urn, laestab, att8, att8_eng, ks2_baseline, p8, english_grade, maths_grade, ebacc_entered, eng_mat_94, eng_mat_95"
	tests := []struct{ name, upn, want string }{
		{"grades 5 and 6: 4+ and 5+ derived", loadtest.UPN1, "123456|8514001|50.0|10.0|105.5|0.42|5|6|true|true|true"},
		{"supplied flags kept", loadtest.UPN2, "123456|8514001|30.0|8.0|NULL|NULL|4|3|false|true|false"},
		{"re-issued result", loadtest.UPN3, "123457|8514002|62.0|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.String(`SELECT concat_ws('|', `+loadtest.NullsShown(cols)+`) FROM mart.attainment
				WHERE pupil_key = edwh_pupil_key(?) AND key_stage = 'ks4'`, tt.upn)
			if got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", cols, got, tt.want)
			}
		})
	}
	if got := db.String(`SELECT concat_ws('|', academic_year, time_period) FROM mart.attainment LIMIT 1`); got != "2018/19|201819" {
		t.Errorf("year columns %s", got)
	}
}
