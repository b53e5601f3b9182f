package p8estimates_test

import (
	"errors"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/internal/loadtest"
	"github.com/edwh/edwh/connectors/p8estimates"
)

// stored lists the bands loaded, in file order, as
// "time_period pag lower-upper est_att8 eng/mat/ebacc/open cap".
const stored = `SELECT string_agg(concat_ws(' ', time_period, coalesce(CAST(pag AS VARCHAR), '-'),
		ks2_lower || '-' || coalesce(CAST(ks2_upper AS VARCHAR), '-'), est_att8,
		concat_ws('/', coalesce(CAST(est_eng AS VARCHAR), '-'), coalesce(CAST(est_mat AS VARCHAR), '-'),
			coalesce(CAST(est_ebacc AS VARCHAR), '-'), coalesce(CAST(est_open AS VARCHAR), '-')),
		coalesce(CAST(p8_cap AS VARCHAR), '-')), '; ' ORDER BY _line)
	FROM raw.p8_estimates`

func TestLoad(t *testing.T) {
	const dfe = "PAG,KS2 prior attainment lower bound,KS2 prior attainment upper bound,Estimated Attainment 8 score,English element,Maths element,EBacc element,Open element\n"
	tests := []struct {
		name                        string
		rel                         string // the file's path in the landing folder: it may carry the year
		data                        string
		loaded, quarantined, nulled int64
		want                        []loadtest.Want
		bands                       string // what stored returns
	}{
		{
			name: "bands with DfE's headers, the year from the folder",
			rel:  "2018-19/ks4_a8_estimates.csv",
			data: dfe +
				"1,0,89.5,20.5,4.1,4.3,5.2,6.9\n" +
				"2,90,99.5,40,8,8,12,12\n" +
				"3,100,120,60,12.5,12.5,17,18\n",
			loaded: 3,
			bands:  "201819 1 0.0-89.5 20.5 4.1/4.3/5.2/6.9 -; 201819 2 90.0-99.5 40.0 8.0/8.0/12.0/12.0 -; 201819 3 100.0-120.0 60.0 12.5/12.5/17.0/18.0 -",
		},
		{
			name:   "short spellings, no PAG or elements, bands that touch, a year in the file name",
			rel:    "p8_estimates_2022-23.csv",
			data:   "Lower,Upper,Attainment 8 estimate\n4.5,5.0,45.2\n4.0,4.5,38.1\n5.0,6.0,55\n",
			loaded: 3,
			bands:  "202223 - 4.5-5.0 45.2 -/-/-/- -; 202223 - 4.0-4.5 38.1 -/-/-/- -; 202223 - 5.0-6.0 55.0 -/-/-/- -",
		},
		{
			name: "two years in one file, from its year column: the same bands in each year do not overlap",
			rel:  "estimates.csv",
			data: "Academic year,Lower,Upper,Estimated A8,P8 cap\n" +
				"2017/18,0,99.5,30,\n2017/18,100,120,55,-2.5\n" +
				"201819,0,99.5,31,\n201819,100,120,56,-2.4\n",
			loaded: 4,
			bands:  "201718 - 0.0-99.5 30.0 -/-/-/- -; 201718 - 100.0-120.0 55.0 -/-/-/- -2.5; 201819 - 0.0-99.5 31.0 -/-/-/- -; 201819 - 100.0-120.0 56.0 -/-/-/- -2.4",
		},
		{
			name:   "the year column wins over the folder; a blank year takes the folder's",
			rel:    "2019-20/estimates.csv",
			data:   "time_period,Lower,Upper,Estimated A8\n201819,0,120,40\n,0,120,41\n",
			loaded: 2,
			bands:  "201819 - 0.0-120.0 40.0 -/-/-/- -; 201920 - 0.0-120.0 41.0 -/-/-/- -",
		},
		{
			name:   "a table of single fine levels (no upper bound column)",
			rel:    "2015-16/fine_levels.csv",
			data:   "Average KS2 fine level,Attainment 8 estimate\n4.1,31.53\n4.2,32.96\n4.3,34.39\n",
			loaded: 3,
			bands:  "201516 - 4.1-- 31.53 -/-/-/- -; 201516 - 4.2-- 32.96 -/-/-/- -; 201516 - 4.3-- 34.39 -/-/-/- -",
		},
		{
			name: "bad bounds and estimates quarantine the band, naming line and column",
			rel:  "2018-19/estimates.csv",
			data: dfe +
				"1,0,89.5,20.5,,,,\n" + //                 line 2: good
				"2,99.5,90,40,,,,\n" + //                  line 3: upper below lower
				"3,ninety,99.5,40,,,,\n" + //              line 4: lower not a number
				"4,100,110,95,,,,\n" + //                  line 5: estimate above 90
				"5,110.5,120,,,,,\n" + //                  line 6: no estimate
				"6,121,130,70,,,,\n", //                   line 7: bounds beyond any baseline
			loaded: 1, quarantined: 5,
			want: []loadtest.Want{
				{Line: 3, Column: "KS2 prior attainment upper bound", Reason: "upper bound below the lower bound", Action: "row"},
				{Line: 4, Column: "KS2 prior attainment lower bound", Reason: "not a number", Action: "row"},
				{Line: 5, Column: "Estimated Attainment 8 score", Reason: "out of range: expected from 0 to 90", Action: "row"},
				{Line: 6, Column: "Estimated Attainment 8 score", Reason: "missing value", Action: "row"},
				{Line: 7, Column: "KS2 prior attainment lower bound", Reason: "out of range: expected from 0 to 120", Action: "row"},
				{Line: 7, Column: "KS2 prior attainment upper bound", Reason: "no upper bound", Action: "row"},
				{Line: 7, Column: "KS2 prior attainment upper bound", Reason: "out of range: expected from 0 to 120", Action: "value"},
			},
			bands: "201819 1 0.0-89.5 20.5 -/-/-/- -",
		},
		{
			name: "an element beyond its slots, a bad PAG and a positive cap are nulled and recorded, the band kept",
			rel:  "2018-19/estimates.csv",
			data: "PAG,Lower,Upper,Estimated A8,English element,Maths element,EBacc element,Open element,P8 cap\n" +
				"x,0,120,50,19,10,28,10,0.5\n",
			loaded: 1, nulled: 4,
			want: []loadtest.Want{
				{Line: 2, Column: "EBacc element", Reason: "out of range: expected from 0 to 27", Action: "value"},
				{Line: 2, Column: "English element", Reason: "out of range: expected from 0 to 18", Action: "value"},
				{Line: 2, Column: "P8 cap", Reason: "out of range: expected from -15 to 0", Action: "value"},
				{Line: 2, Column: "PAG", Reason: "not a whole number", Action: "value"},
			},
			bands: "201819 - 0.0-120.0 50.0 -/10.0/-/10.0 -",
		},
		{
			name: "overlapping bands are both quarantined; the bands around them load",
			rel:  "2018-19/estimates.csv",
			data: "Lower,Upper,Estimated A8\n" +
				"80,90,20\n" + //   line 2: touches line 3
				"90,100,40\n" + //  line 3: overlaps line 5
				"110,120,70\n" + // line 4
				"99,105,45\n", //   line 5: overlaps line 3
			loaded: 2, quarantined: 2,
			want: []loadtest.Want{
				{Line: 3, Column: "Lower", Reason: "band overlaps another band of the same year", Action: "row"},
				{Line: 5, Column: "Lower", Reason: "band overlaps another band of the same year", Action: "row"},
			},
			bands: "201819 - 80.0-90.0 20.0 -/-/-/- -; 201819 - 110.0-120.0 70.0 -/-/-/- -",
		},
		{
			name:   "two bands starting at the same baseline overlap, single values included",
			rel:    "2018-19/estimates.csv",
			data:   "Lower,Upper,Estimated A8\n100,100,40\n100,105,45\n106,120,60\n",
			loaded: 1, quarantined: 2,
			want: []loadtest.Want{
				{Line: 2, Column: "Lower", Reason: "band overlaps another band", Action: "row"},
				{Line: 3, Column: "Lower", Reason: "band overlaps another band", Action: "row"},
			},
			bands: "201819 - 106.0-120.0 60.0 -/-/-/- -",
		},
		{
			name:   "a band without an upper bound among bands with one",
			rel:    "2018-19/estimates.csv",
			data:   "Lower,Upper,Estimated A8\n80,99.5,30\n100,,50\n",
			loaded: 1, quarantined: 1,
			want:  []loadtest.Want{{Line: 3, Column: "Upper", Reason: "no upper bound (blank, or not a valid one), though other bands", Action: "row"}},
			bands: "201819 - 80.0-99.5 30.0 -/-/-/- -",
		},
		{
			name:   "a blank year without a year in the path is quarantined",
			rel:    "estimates.csv",
			data:   "Academic year,Lower,Upper,Estimated A8\n2018/19,0,120,40\n,0,120,41\n2019,0,120,42\n",
			loaded: 1, quarantined: 2,
			want: []loadtest.Want{
				{Line: 3, Column: "Academic year", Reason: "no academic year", Action: "row"},
				{Line: 4, Column: "Academic year", Reason: "no academic year", Action: "row"},
				{Line: 4, Column: "Academic year", Reason: "not an academic year", Action: "value"},
			},
			bands: "201819 - 0.0-120.0 40.0 -/-/-/- -",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Load(p8estimates.Source, loadtest.Write(t, t.TempDir(), tt.rel, []byte(tt.data)))
			if res.RowsLoaded != tt.loaded || res.RowsQuarantined != tt.quarantined || res.ValuesNulled != tt.nulled {
				t.Errorf("loaded/quarantined/nulled = %d/%d/%d, want %d/%d/%d: %v",
					res.RowsLoaded, res.RowsQuarantined, res.ValuesNulled, tt.loaded, tt.quarantined, tt.nulled, db.Quarantine(res.LoadID))
			}
			db.CheckQuarantine(res.LoadID, tt.want)
			if got := db.String(stored); got != tt.bands {
				t.Errorf("bands\n got %s\nwant %s", got, tt.bands)
			}
		})
	}
}

// DfE's workbooks put a title and notes above the header; the sheet's row
// numbers are what quarantine reports.
func TestLoadWorkbookBelowTitleRows(t *testing.T) {
	db := loadtest.Open(t)
	f := loadtest.XLSX(t, t.TempDir(), "attainment_8_estimates_2023-24.xlsx", [][]any{
		{"Table 1: Attainment 8 estimates by KS2 prior attainment group, 2023/24"},
		{"Source: DfE"},
		nil,
		{"Prior attainment group", "Average KS2 scaled score lower bound", "Average KS2 scaled score upper bound",
			"Attainment 8 estimate", "Estimated English element", "Estimated maths element", "Estimated EBacc element", "Estimated open element"},
		{1, 80, 89.5, 12.3, 2.5, 2.4, 3.1, 4.3},
		{2, 90, 99.5, 35.1, 7.2, 6.9, 9.8, 11.2},
		{3, 100, 99, 50, 10, 10, 15, 15}, // upper below lower
		{4, 100, 120, 62.8, 12.9, 12.5, 18.2, 19.2},
	})
	res := db.Load(p8estimates.Source, f)
	if res.HeaderLine != 4 || res.RowsLoaded != 3 || res.RowsQuarantined != 1 || res.TimePeriod != 202324 {
		t.Fatalf("header %d loaded %d quarantined %d year %d: %v", res.HeaderLine, res.RowsLoaded, res.RowsQuarantined, res.TimePeriod, db.Quarantine(res.LoadID))
	}
	db.CheckQuarantine(res.LoadID, []loadtest.Want{
		{Line: 7, Column: "Average KS2 scaled score upper bound", Reason: "upper bound below the lower bound", Action: "row"},
	})
	const want = "202324 1 80.0-89.5 12.3 2.5/2.4/3.1/4.3 -; 202324 2 90.0-99.5 35.1 7.2/6.9/9.8/11.2 -; 202324 4 100.0-120.0 62.8 12.9/12.5/18.2/19.2 -"
	if got := db.String(stored); got != want {
		t.Errorf("bands\n got %s\nwant %s", got, want)
	}
}

// A file whose year is neither in it nor in its path is refused, saying
// where the year can go; so is a file without the mandatory columns.
func TestRefused(t *testing.T) {
	tests := []struct {
		name, rel, data string
		err             error
	}{
		{"no year anywhere", "estimates.csv", "Lower,Upper,Estimated A8\n0,120,40\n", connectors.ErrNoYear},
		{"no estimate column", "2018-19/estimates.csv", "Lower,Upper,A8\n0,120,40\n", connectors.ErrNoHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loadtest.Open(t)
			res := db.Try(p8estimates.Source, loadtest.Write(t, t.TempDir(), tt.rel, []byte(tt.data)))
			if res.Status != connectors.StatusRefused || !errors.Is(res.Refused, tt.err) {
				t.Fatalf("status %s: %v, want refused with %v", res.Status, res.Refused, tt.err)
			}
			t.Log(res.Refused)
		})
	}
}

// A corrected file for a year supersedes the earlier one's bands for that
// year only.
func TestReissueSupersedes(t *testing.T) {
	db := loadtest.Open(t)
	dir := t.TempDir()
	first := db.Load(p8estimates.Source, loadtest.Write(t, dir, "estimates.csv", []byte(
		"Academic year,Lower,Upper,Estimated A8\n2017/18,0,120,40\n2018/19,0,120,41\n")))
	re := db.Load(p8estimates.Source, loadtest.Write(t, dir, "2018-19/estimates_revised.csv", []byte(
		"Lower,Upper,Estimated A8\n0,120,42\n")))
	if len(re.Supersedes) != 1 || re.Supersedes[0] != first.LoadID {
		t.Errorf("re-issue supersedes %v, want [%d]", re.Supersedes, first.LoadID)
	}
}
