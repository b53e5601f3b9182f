package ks1_test

import (
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/internal/loadtest"
	"github.com/edwh/edwh/connectors/ks1"
)

const (
	upn1, upn2, upn3, temp, badUPN = loadtest.UPN1, loadtest.UPN2, loadtest.UPN3, loadtest.UPNTemp, loadtest.BadUPN
	header                         = "UPN,Surname,LAESTAB,AcademicYear,PhonicsMark,KS1ReadTA,KS1WritTA,KS1MatTA\n"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name                        string
		data                        string
		loaded, quarantined, nulled int64
		want                        []loadtest.Want
	}{
		{
			name: "marks, outcome codes and teacher assessments are valid values",
			data: header +
				upn1 + ",Smith,8512001,2018/19,32,,,\n" +
				upn2 + ",Jones,8512001,2018/19,A,,,\n" + // absent
				upn3 + ",Brown,8512001,2018/19,wa,,,\n" + // met, no mark given
				temp + ",Green,8512001,2018/19,,GDS,pk2,BLW\n" + // temporary UPN: loads
				upn1 + ",Smith,8512002,2019/20,D,EM,A,Greater depth\n",
			loaded: 5,
		},
		{
			name:   "bad UPN quarantines the row",
			data:   header + upn1 + ",S,8512001,2018/19,32,,,\n" + badUPN + ",S,8512001,2018/19,32,,,\n",
			loaded: 1, quarantined: 1,
			want: []loadtest.Want{{Line: 3, Column: "UPN", Reason: "UPN check letter is wrong", Action: "row"}},
		},
		{
			name:   "missing or impossible academic year quarantines the row",
			data:   header + upn1 + ",S,8512001,,32,,,\n" + upn2 + ",S,8512001,2018/20,32,,,\n",
			loaded: 0, quarantined: 2,
			want: []loadtest.Want{
				{Line: 2, Column: "AcademicYear", Reason: "missing value", Action: "row"},
				{Line: 3, Column: "AcademicYear", Reason: "not an academic year", Action: "row"},
			},
		},
		{
			name:   "no school key quarantines the row",
			data:   header + upn1 + ",S,,2018/19,32,,,\n",
			loaded: 0, quarantined: 1,
			want: []loadtest.Want{{Line: 2, Column: "LAESTAB", Reason: "no valid school key", Action: "row"}},
		},
		{
			name:   "phonics mark above 40 is nulled and recorded, the row loads",
			data:   header + upn1 + ",S,8512001,2018/19,41,,,\n" + upn2 + ",S,8512001,2018/19,-1,,,\n",
			loaded: 2, nulled: 2,
			want: []loadtest.Want{
				{Line: 2, Column: "PhonicsMark", Reason: "not a score from 0 to 40 or a code", Action: "value"},
				{Line: 3, Column: "PhonicsMark", Reason: "not a score from 0 to 40 or a code", Action: "value"},
			},
		},
		{
			name:   "unknown teacher assessment code is nulled and recorded",
			data:   header + upn1 + ",S,8512001,2018/19,,EXS,W3,EXS\n",
			loaded: 1, nulled: 1,
			want: []loadtest.Want{{Line: 2, Column: "KS1WritTA", Reason: "not a valid code", Action: "value"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Load(ks1.Source, loadtest.Write(t, t.TempDir(), "ks1.csv", []byte(tt.data)))
			if res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quarantined || res.ValuesNulled != tt.nulled {
				t.Errorf("loaded/quarantined/nulled = %d/%d/%d, want %d/%d/%d",
					res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, tt.loaded, tt.quarantined, tt.nulled)
			}
			db.CheckQuarantine(res.LoadID, tt.want)
			if n := db.Int(`SELECT count(*) FROM information_schema.columns WHERE table_name = 'ks1' AND column_name = 'surname'`); n != 0 {
				t.Error("surname stored")
			}
		})
	}
}

func TestValues(t *testing.T) {
	db := loadtest.Open(t)
	db.Load(ks1.Source, loadtest.Write(t, t.TempDir(), "ks1.csv", []byte(
		"upn,LA,ESTAB,Academic Year,Phonics mark,KS1 Reading TA,KS1 Writing TA,KS1 Maths TA\n"+
			upn1+",851,2001,2014/15,38,,,\n"+
			upn2+",851,2001,2014-15,q,,,\n"+
			upn3+",851,2001,201415,,Greater depth,PK 1,wts\n")))
	got := db.String(`SELECT string_agg(concat_ws('|', laestab, academic_year, phonics_mark, phonics_mark_code, ks1_read_ta, ks1_writ_ta, ks1_mat_ta), ' ' ORDER BY _line) FROM raw.ks1`)
	want := "8512001|201415|38.0 8512001|201415|Q 8512001|201415|GDS|PK1|WTS"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A phonics re-issue replaces the earlier phonics results of its school and
// year, and leaves the teacher assessments sent with them in force.
func TestSupersedeByPart(t *testing.T) {
	db := loadtest.Open(t)
	dir := t.TempDir()
	first := db.Load(ks1.Source, loadtest.Write(t, dir, "ks1_2019.csv", []byte(header+
		upn1+",S,8512001,2018/19,30,,,\n"+
		upn2+",S,8512001,2018/19,,EXS,EXS,EXS\n"+
		upn3+",S,8512002,2018/19,25,,,\n")))
	second := db.Load(ks1.Source, loadtest.Write(t, dir, "ks1_2019_8512001_phonics.csv", []byte(header+
		upn1+",S,8512001,2018/19,33,,,\n")))
	if len(second.Supersedes) != 1 || second.Supersedes[0] != first.LoadID {
		t.Errorf("supersedes %v, want [%d]", second.Supersedes, first.LoadID)
	}
	// The same file again changes nothing.
	if res := db.Try(ks1.Source, loadtest.Write(t, dir, "ks1_2019.csv", []byte(header+
		upn1+",S,8512001,2018/19,30,,,\n"+
		upn2+",S,8512001,2018/19,,EXS,EXS,EXS\n"+
		upn3+",S,8512002,2018/19,25,,,\n"))); res.Status != connectors.StatusSeen {
		t.Errorf("same file again: %s", res.Status)
	}
	db.Models()
	got := db.String(`SELECT string_agg(concat_ws('|', upn, assessment, phonics_mark, read_ta, load_id = ?), ' ' ORDER BY upn, assessment) FROM stg.ks1`, second.LoadID)
	want := upn1 + "|phonics|33.0|true " + upn2 + "|ks1|EXS|false " + upn3 + "|phonics|25.0|false"
	if got != want {
		t.Errorf("stg.ks1:\n got %s\nwant %s", got, want)
	}
	if n := db.Int(`SELECT count(*) FROM raw.ks1`); n != 4 {
		t.Errorf("raw rows %d: history must be kept", n)
	}
}

// The phonics and KS1 flags of mart.attainment, pupil by pupil.
func TestAttainmentFlags(t *testing.T) {
	db := loadtest.Open(t)
	db.Load(ks1.Source, loadtest.Write(t, t.TempDir(), "ks1.csv", []byte(header+
		"B801200005001,S,8512001,2018/19,32,,,\n"+ // at the threshold: met
		"H851200101001,S,8512001,2018/19,31,,,\n"+ // below: not met
		"X851200101002,S,8512001,2018/19,A,,,\n"+ // absent: in the measure, not met
		"L851200101003,S,8512001,2018/19,L,,,\n"+ // left: out of the measure
		"A851200101004,S,8512001,2018/19,WA,,,\n"+ // met, no mark
		"B801200005001,S,8512001,2019/20,,GDS,EXS,GDS\n"+ // KS1: all expected, two at greater depth
		"H851200101001,S,8512001,2019/20,,EXS,WTS,EXS\n"+ // writing not met
		"X851200101002,S,8512001,2019/20,,D,D,D\n")))
	db.Models()
	tests := []struct {
		name, upn, keyStage string
		year                int
		cols, want          string
	}{
		{"phonics at the threshold", "B801200005001", "phonics", 201819, "phonics_mark, phonics_expected", "32.0|true"},
		{"phonics below", "H851200101001", "phonics", 201819, "phonics_mark, phonics_expected", "31.0|false"},
		{"phonics absent", "X851200101002", "phonics", 201819, "phonics_code, phonics_expected", "A|false"},
		{"phonics left", "L851200101003", "phonics", 201819, "phonics_code, phonics_expected", "L|NULL"},
		{"phonics met without a mark", "A851200101004", "phonics", 201819, "phonics_code, phonics_expected", "WA|true"},
		{"KS1 all expected", "B801200005001", "ks1", 201920,
			"ks1_read_expected, ks1_writ_expected, ks1_mat_expected, ks1_rwm_expected, ks1_read_gds, ks1_writ_gds, ks1_mat_gds",
			"true|true|true|true|true|false|true"},
		{"KS1 writing working towards", "H851200101001", "ks1", 201920, "ks1_writ_expected, ks1_rwm_expected", "false|false"},
		{"KS1 disapplied counts as not met", "X851200101002", "ks1", 201920, "ks1_read_expected, ks1_rwm_expected", "false|false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.String(`SELECT concat_ws('|', `+loadtest.NullsShown(tt.cols)+`) FROM mart.attainment
				WHERE pupil_key = edwh_pupil_key(?) AND key_stage = ? AND time_period = ?`, tt.upn, tt.keyStage, tt.year)
			if got != tt.want {
				t.Errorf("%s = %s, want %s", tt.cols, got, tt.want)
			}
		})
	}
	if n := db.Int(`SELECT count(*) FROM mart.attainment`); n != 8 {
		t.Errorf("%d attainment rows, want 8", n)
	}
}
