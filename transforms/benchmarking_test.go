package transforms_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/conntest"
	"github.com/edwh/edwh/connectors/ees"
	"github.com/edwh/edwh/connectors/lacodes"
	"github.com/edwh/edwh/connectors/neighbours"
	"github.com/edwh/edwh/connectors/perfabs"
	"github.com/edwh/edwh/connectors/perfks2"
	"github.com/edwh/edwh/connectors/perfks4"
	"github.com/edwh/edwh/pipeline"
	edwhsql "github.com/edwh/edwh/sql"
	"github.com/edwh/edwh/transforms"
)

// runModels builds the given marts and every model they depend on (not the
// whole project: the pupil-level models need their own inputs), and fails
// the test on a failing error-level check.
func runModels(t *testing.T, ctx context.Context, conn *sql.Conn, marts ...string) {
	t.Helper()
	// The pupil-level models the marts now reach need a pupil_key function
	// and the parameters; those the test set already keep their values.
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP MACRO edwh_pupil_key(u) AS sha256(u)`); err != nil {
		t.Fatal(err)
	}
	for _, p := range pipeline.Parameters {
		var set bool
		conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT getvariable('edwh_%s') IS NOT NULL`, p.Name)).Scan(&set)
		if !set {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(`SET VARIABLE edwh_%s = %v`, p.Name, p.Default)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Every source's raw table, since a mart may union public figures with
	// ones computed from pupil data (rankings does).
	for _, s := range pipeline.Sources() {
		if err := connectors.EnsureTable(ctx, conn, s); err != nil {
			t.Fatal(err)
		}
	}
	all, err := transforms.Load(edwhsql.FS)
	if err != nil {
		t.Fatal(err)
	}
	sub := fstest.MapFS{}
	var add func(name string)
	add = func(name string) {
		m := all.Model(name)
		if m == nil || sub[m.Path] != nil {
			return
		}
		b, err := fs.ReadFile(edwhsql.FS, m.Path)
		if err != nil {
			t.Fatal(err)
		}
		sub[m.Path] = &fstest.MapFile{Data: b}
		for _, d := range m.Depends {
			add(d)
		}
	}
	for _, m := range marts {
		add(m)
	}
	p, err := transforms.Load(sub)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(ctx, conn); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := p.Run(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Models {
		t.Logf("model %s: %d rows in %.2fs", m.Model, m.Rows, m.Seconds)
	}
	t.Logf("models built and checked in %s", time.Since(start).Round(time.Millisecond))
	for _, c := range res.Checks {
		if c.Status != "pass" {
			t.Errorf("check %s: %s, %d failing rows %v", c.Check.Name, c.Status, c.FailingRows, c.Err)
		}
	}
}

// csvRows reads a real file with encoding/csv, as a map per row, for
// computing expected figures independently of edwh.
func csvRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff")))
	r.FieldsPerRecord = -1 // DfE leaves trailing blanks off some rows
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out
}

// num parses a published figure; ok is false for markers and blanks.
func num(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	return f, err == nil
}

// rankOf is the competition rank (ties share the best) of v among vs.
func rankOf(v float64, vs []float64, higherIsBetter bool) int {
	r := 1
	for _, x := range vs {
		if higherIsBetter && x > v || !higherIsBetter && x < v {
			r++
		}
	}
	return r
}

// snWorkbook reads the statistical neighbours workbook with excelize: each
// LA's ten neighbours.
func snWorkbook(t *testing.T, path string) map[string][]string {
	t.Helper()
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range rows[3:] {
		if len(r) < 25 || r[0] == "" {
			continue
		}
		var nb []string
		for i := 5; i < 25; i += 2 {
			nb = append(nb, r[i])
		}
		out[r[0]] = nb
	}
	return out
}

type rankRow struct {
	Value                             float64
	NationalRank, NationalN, Quartile sql.NullInt64
	NeighbourRank, NeighbourN         sql.NullInt64
	LARank, LAN                       sql.NullInt64
	NationalValue                     sql.NullFloat64
	NeighbourSet, Name                sql.NullString
	PrevTimePeriod, NationalRankPrev  sql.NullInt64
}

func ranking(t *testing.T, ctx context.Context, conn *sql.Conn, level, code, measure, source string, year int) (rankRow, bool) {
	t.Helper()
	var r rankRow
	err := conn.QueryRowContext(ctx, `SELECT value, national_rank, national_n, quartile, neighbour_rank, neighbour_n, la_rank, la_n,
		national_value, neighbour_set, entity_name, prev_time_period, national_rank_prev
		FROM mart.rankings WHERE entity_level = ? AND entity_code = ? AND measure = ? AND source = ? AND time_period = ?`,
		level, code, measure, source, year).Scan(&r.Value, &r.NationalRank, &r.NationalN, &r.Quartile, &r.NeighbourRank, &r.NeighbourN,
		&r.LARank, &r.LAN, &r.NationalValue, &r.NeighbourSet, &r.Name, &r.PrevTimePeriod, &r.NationalRankPrev)
	if err == sql.ErrNoRows {
		return r, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return r, true
}

// The benchmarking marts built from the real DfE files, with the figures
// checked against the files read independently (encoding/csv, excelize)
// and, for Portsmouth, against values verified by hand.
func TestBenchmarkingOnRealFiles(t *testing.T) {
	conn, ctx := conntest.DB(t)
	files := []struct {
		src        *connectors.Source
		name, rel  string
		quarantine int64
	}{
		{perfks4.Source, "performance-tables-2018-19/england_ks4provisional.csv", "perf_ks4/performance-tables-2018-19/england_ks4provisional.csv", 0},
		{perfks2.Source, "ks2final-hampshire-850/2016-850-ks2.csv", "perf_ks2/2016-850-ks2.csv", 0},
		{perfks2.Source, "ks2final-hampshire-850/2017-850-ks2.csv", "perf_ks2/2017-850-ks2.csv", 0},
		{perfks2.Source, "ks2final-hampshire-850/2018-850-ks2.csv", "perf_ks2/2018-850-ks2.csv", 0},
		{perfabs.Source, "performance-tables-2018-19/england_abs.csv", "perf_abs/performance-tables-2018-19/england_abs.csv", 0},
		{ees.Source, "ees-absence-bradford/1_absence_3term_school.csv", "ees/1_absence_3term_school.csv", 0},
		// The 40 MB file, loaded once in the whole suite, here.
		{ees.Source, "ees-exclusions-2006-2017/exclusions_by_geographic_level.csv", "ees/exclusions_by_geographic_level.csv", 0},
		// The "Old SNs:" section title is the one row that is not an LA.
		{neighbours.Source, "statistical-neighbours/sn_april_2021.xlsx", "neighbours/sn_april_2021.xlsx", 1},
		{lacodes.Source, "statistical-neighbours/la_code_list.xlsx", "la_codes/la_code_list.xlsx", 0},
	}
	for _, f := range files {
		start := time.Now()
		res := conntest.Load(t, ctx, conn, f.src, conntest.RealFile(t, f.name, f.rel))
		t.Logf("%s: %d rows read, %d loaded, %d quarantined in %s", f.name, res.RowsRead, res.RowsLoaded, res.RowsQuarantined,
			time.Since(start).Round(time.Millisecond))
		if res.RowsQuarantined != f.quarantine {
			t.Errorf("%s: %d rows quarantined, want %d: %+v", f.name, res.RowsQuarantined, f.quarantine, conntest.Problems(t, ctx, conn, res.LoadID))
		}
	}
	runModels(t, ctx, conn, "mart.rankings", "mart.gaps", "mart.statistical_neighbours")
	data := conntest.DataDir()

	t.Run("Portsmouth P8 2018/19: hand-verified", func(t *testing.T) {
		r, ok := ranking(t, ctx, conn, "la", "851", "p8", "perf_ks4", 201819)
		if !ok {
			t.Fatal("no ranking row for Portsmouth P8")
		}
		// Read by hand from england_ks4provisional.csv (RECTYPE 4, LEA 851,
		// P8MEA -0.41; 150 LAs publish a P8, 145 of them above -0.41) and
		// sn_april_2021.xlsx (neighbours 852 879 373 831 874 801 894 882
		// 331 355, of which only Salford, -0.55, is below).
		if r.Value != -0.41 || r.NationalRank.Int64 != 146 || r.NationalN.Int64 != 150 || r.Quartile.Int64 != 4 ||
			r.NeighbourRank.Int64 != 10 || r.NeighbourN.Int64 != 11 || r.NeighbourSet.String != "sn_april_2021" ||
			r.NationalValue.Float64 != -0.03 || r.Name.String != "Portsmouth" {
			t.Errorf("Portsmouth P8: %+v", r)
		}
	})

	// Every LA measure of the KS4 file, ranked independently: the LA rows
	// (RECTYPE 4) read with encoding/csv, competition ranks (ties share the
	// best) among all LAs publishing the figure and among the LA and its
	// workbook neighbours.
	sn := snWorkbook(t, filepath.Join(data, "statistical-neighbours/sn_april_2021.xlsx"))
	ks4 := csvRows(t, filepath.Join(data, "performance-tables-2018-19/england_ks4provisional.csv"))
	for _, m := range []struct {
		measure, code string
		las           int // LAs publishing the figure, read from the file
	}{
		{"p8", "P8MEA", 150},
		{"att8", "ATT8SCR", 150},
		{"eng_maths_4plus", "PTL2BASICS_94", 150},
		{"eng_maths_5plus", "PTL2BASICS_95", 150},
	} {
		t.Run("every LA's "+m.measure+" ranks match an independent computation", func(t *testing.T) {
			vals := map[string]float64{}
			var all []float64
			for _, row := range ks4 {
				if row["RECTYPE"] != "4" {
					continue
				}
				if v, ok := num(row[m.code]); ok {
					vals[row["LEA"]] = v
					all = append(all, v)
				}
			}
			if len(vals) != m.las {
				t.Fatalf("%d LAs with %s in the file, want %d", len(vals), m.code, m.las)
			}
			checked := 0
			for la, v := range vals {
				r, ok := ranking(t, ctx, conn, "la", la, m.measure, "perf_ks4", 201819)
				if !ok {
					t.Errorf("LA %s: no %s ranking", la, m.measure)
					continue
				}
				if r.Value != v {
					t.Errorf("LA %s: %s %v, the file says %v", la, m.measure, r.Value, v)
				}
				if want := rankOf(v, all, true); r.NationalRank.Int64 != int64(want) || r.NationalN.Int64 != int64(len(all)) {
					t.Errorf("LA %s: national rank %v of %v, want %d of %d", la, r.NationalRank, r.NationalN, want, len(all))
				}
				nb, ok := sn[la]
				if !ok {
					if r.NeighbourRank.Valid {
						t.Errorf("LA %s is not in the workbook but has neighbour rank %v", la, r.NeighbourRank)
					}
					continue
				}
				group := []float64{v}
				for _, n := range nb {
					if x, ok := vals[n]; ok {
						group = append(group, x)
					}
				}
				if want := rankOf(v, group, true); r.NeighbourRank.Int64 != int64(want) || r.NeighbourN.Int64 != int64(len(group)) {
					t.Errorf("LA %s: neighbour rank %v of %v, want %d of %d", la, r.NeighbourRank, r.NeighbourN, want, len(group))
				}
				checked++
			}
			if checked < m.las-5 {
				t.Errorf("only %d LAs checked against their neighbours", checked)
			}
		})
	}

	t.Run("Hampshire KS2 RWM over three years: no national rank from one LA's files", func(t *testing.T) {
		want := map[int]float64{201617: 66, 201718: 68, 201819: 68}
		for year, v := range want {
			r, ok := ranking(t, ctx, conn, "la", "850", "ks2_rwm_expected", "perf_ks2", year)
			if !ok {
				t.Fatalf("%d: no row", year)
			}
			if r.Value != v || r.NationalRank.Valid || r.NationalN.Int64 != 1 || r.NeighbourN.Int64 != 1 || r.Quartile.Valid {
				t.Errorf("%d: %+v", year, r)
			}
			if year > 201617 && r.PrevTimePeriod.Int64 != int64(year-101) {
				t.Errorf("%d: previous year %v", year, r.PrevTimePeriod)
			}
		}
		// School ranks within the LA, checked against the 2018/19 file.
		var rwm []float64
		byURN := map[string]float64{}
		for _, row := range csvRows(t, filepath.Join(data, "ks2final-hampshire-850/2018-850-ks2.csv")) {
			if row["RECTYPE"] != "1" && row["RECTYPE"] != "2" {
				continue
			}
			if v, ok := num(row["PTRWM_EXP"]); ok {
				rwm = append(rwm, v)
				byURN[row["URN"]] = v
			}
		}
		urns := make([]string, 0, len(byURN))
		for u := range byURN {
			urns = append(urns, u)
		}
		sort.Strings(urns)
		for _, u := range urns[:20] {
			r, ok := ranking(t, ctx, conn, "school", u, "ks2_rwm_expected", "perf_ks2", 201819)
			if !ok {
				t.Fatalf("school %s: no row", u)
			}
			if want := rankOf(byURN[u], rwm, true); r.LARank.Int64 != int64(want) || r.LAN.Int64 != int64(len(rwm)) || r.NationalRank.Valid {
				t.Errorf("school %s: LA rank %v of %v, national %v; want %d of %d, no national rank", u, r.LARank, r.LAN, r.NationalRank, want, len(rwm))
			}
		}
	})

	t.Run("school absence: lower is better, a year behind the tables", func(t *testing.T) {
		var all []float64
		byURN := map[string]float64{}
		for _, row := range csvRows(t, filepath.Join(data, "performance-tables-2018-19/england_abs.csv")) {
			if v, ok := num(row["PERCTOT"]); ok && row["URN"] != "" {
				all = append(all, v)
				byURN[row["URN"]] = v
			}
		}
		for _, u := range []string{"100000", "136807", "116296"} {
			r, ok := ranking(t, ctx, conn, "school", u, "overall_absence", "perf_abs", 201718)
			if !ok {
				t.Fatalf("school %s: no 2017/18 absence ranking", u)
			}
			if want := rankOf(byURN[u], all, false); r.NationalRank.Int64 != int64(want) || r.NationalN.Int64 != int64(len(all)) {
				t.Errorf("school %s (%.1f%%): national rank %v of %v, want %d of %d", u, byURN[u], r.NationalRank, r.NationalN, want, len(all))
			}
		}
	})

	t.Run("LA exclusion rates from EES, with neighbours, across years", func(t *testing.T) {
		sn := snWorkbook(t, filepath.Join(data, "statistical-neighbours/sn_april_2021.xlsx"))
		rates := map[string]float64{}
		var all []float64
		for _, row := range csvRows(t, filepath.Join(data, "ees-exclusions-2006-2017/exclusions_by_geographic_level.csv")) {
			if row["geographic_level"] != "Local authority" || row["school_type"] != "Total" || row["time_period"] != "201617" {
				continue
			}
			if v, ok := num(row["fixed_excl_rate"]); ok {
				rates[row["old_la_code"]] = v
				all = append(all, v)
			}
		}
		r, ok := ranking(t, ctx, conn, "la", "851", "suspension_rate", "ees", 201617)
		if !ok {
			t.Fatal("no row")
		}
		group := []float64{rates["851"]}
		for _, n := range sn["851"] {
			if x, ok := rates[n]; ok {
				group = append(group, x)
			}
		}
		if r.Value != 7.18 || r.NationalRank.Int64 != int64(rankOf(7.18, all, false)) || r.NationalN.Int64 != int64(len(all)) ||
			r.NeighbourRank.Int64 != int64(rankOf(7.18, group, false)) || r.NeighbourN.Int64 != int64(len(group)) {
			t.Errorf("Portsmouth suspension rate 2016/17: %+v; want national %d of %d, neighbours %d of %d", r,
				rankOf(7.18, all, false), len(all), rankOf(7.18, group, false), len(group))
		}
		if !r.NationalRankPrev.Valid || r.PrevTimePeriod.Int64 != 201516 {
			t.Errorf("no trend: %+v", r)
		}
		var years int
		conn.QueryRowContext(ctx, `SELECT count(DISTINCT time_period) FROM mart.rankings
			WHERE entity_level = 'la' AND entity_code = '851' AND measure = 'permanent_exclusion_rate'`).Scan(&years)
		if years != 11 {
			t.Errorf("Portsmouth's permanent exclusion rate ranked in %d years, want 11", years)
		}
	})

	t.Run("published gaps", func(t *testing.T) {
		tests := []struct {
			name                    string
			level                   string
			la                      int
			measure, comparison     string
			groupN, group, ref, gap float64
		}{
			{"Hampshire disadvantaged vs other", "la", 850, "ks2_rwm_expected", "disadvantaged_vs_other", 3263, 49, 73, -24},
			// DIFFN_RWM_EXP as published; England's other pupils (RECTYPE 5) 71%.
			{"Hampshire disadvantaged vs national other", "la", 850, "ks2_rwm_expected", "disadvantaged_vs_national_other", 3263, 49, 71, -22},
			{"England disadvantaged vs other", "national", 0, "ks2_rwm_expected", "disadvantaged_vs_other", -1, 51, 71, -20},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var groupN sql.NullFloat64
				var group, ref, gap float64
				var suppressed bool
				err := conn.QueryRowContext(ctx, `SELECT group_n, group_value, reference_value, gap, suppressed FROM mart.gaps
					WHERE level = ? AND coalesce(la_code, 0) = ? AND urn IS NULL AND measure = ? AND comparison = ? AND time_period = 201819`,
					tt.level, tt.la, tt.measure, tt.comparison).Scan(&groupN, &group, &ref, &gap, &suppressed)
				if err != nil {
					t.Fatal(err)
				}
				if (tt.groupN >= 0 && groupN.Float64 != tt.groupN) || group != tt.group || ref != tt.ref || math.Abs(gap-tt.gap) > 1e-9 || suppressed {
					t.Errorf("n %v group %v ref %v gap %v suppressed %v", groupN, group, ref, gap, suppressed)
				}
			})
		}
		// SUPP in the file is a suppressed row with no value and no gap,
		// never a zero.
		var supp, bad int
		conn.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE suppressed),
			count(*) FILTER (WHERE suppressed AND (gap IS NOT NULL
				OR (group_status = 'SUPP' AND group_value IS NOT NULL) OR (reference_status = 'SUPP' AND reference_value IS NOT NULL)))
			FROM mart.gaps WHERE level = 'school' AND key_stage = 'ks2'`).Scan(&supp, &bad)
		if supp == 0 || bad != 0 {
			t.Errorf("suppressed school gaps %d, with a value or gap %d", supp, bad)
		}
	})

	t.Run("neighbours published with the rankings", func(t *testing.T) {
		var list string
		conn.QueryRowContext(ctx, `SELECT string_agg(neighbour_la_code || ' ' || neighbour_name || ' (' || closeness || ')', '; ' ORDER BY neighbour_rank)
			FROM mart.statistical_neighbours WHERE la_code = 851 AND time_period = 201819`).Scan(&list)
		want := "852 Southampton (Very Close); 879 Plymouth (Very Close); 373 Sheffield (Very Close); 831 Derby (Very Close); " +
			"874 Peterborough (Very Close); 801 Bristol, City of (Very Close); 894 Telford and Wrekin (Close); " +
			"882 Southend-on-Sea (Close); 331 Coventry (Close); 355 Salford (Close)"
		if list != want {
			t.Errorf("Portsmouth's neighbours:\n got %s\nwant %s", list, want)
		}
	})
}

// writeLanding writes a small file for a test and returns it as a landing
// file.
func writeLanding(t *testing.T, rel, body string) connectors.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return connectors.File{Path: p, Rel: rel}
}

// The rules of the benchmarking marts on a small made-up country of twelve
// LAs: the final KS4 release wins over the provisional one whatever the
// load order, ties share the best rank, lower is better for exclusions, a
// suppressed figure is never ranked, and published gaps keep DfE's sign.
func TestBenchmarkingRules(t *testing.T) {
	conn, ctx := conntest.DB(t)
	if _, err := conn.ExecContext(ctx, `SET VARIABLE edwh_national_rank_min_las = 5`); err != nil {
		t.Fatal(err)
	}
	var sn strings.Builder
	sn.WriteString("Statistical neighbours\n\nLA num,LA Name,LA number,GOInd,GOReg")
	for i := 1; i <= 10; i++ {
		sn.WriteString(",SN" + strconv.Itoa(i) + ",SNP")
	}
	sn.WriteString("\n901,Alpha,901,1,North")
	for i := 2; i <= 11; i++ {
		sn.WriteString(",9" + fmt.Sprintf("%02d", i) + ",Close")
	}
	sn.WriteString("\n")

	// P8 by LA: 901 is -0.2 provisional, -0.1 final; 902 and 903 tie at 0.3.
	prov := "RECTYPE,LEA,ESTAB,URN,SCHNAME,P8MEA,ATT8SCR\n"
	final := "RECTYPE,LEA,ESTAB,URN,SCHNAME,P8MEA,ATT8SCR,P8PUP_FSM6CLA1A,P8MEA_FSM6CLA1A,P8PUP_NFSM6CLA1A,P8MEA_NFSM6CLA1A,DIFFN_P8MEA\n"
	p8 := []string{"-0.2", "0.3", "0.3", "0.1", "0", "-0.5", "0.2", "-0.3", "0.4", "-0.6", "0.05", "NE"}
	for i, v := range p8 {
		la := 901 + i
		prov += fmt.Sprintf("4,%d,,,,%s,45\n", la, v)
		fv := v
		if la == 901 {
			fv = "-0.1"
		}
		fsm := "-0.6"
		if la == 902 {
			fsm = "SUPP"
		}
		final += fmt.Sprintf("4,%d,,,,%s,45,100,%s,400,0.02,-0.73\n", la, fv, fsm)
	}
	final += "7,,,,,-0.03,46.5,150000,-0.45,400000,0.13,\n"
	eesCSV := "time_period,time_identifier,geographic_level,country_code,country_name,old_la_code,new_la_code,la_name,school_type,headcount,perm_excl_rate\n"
	perm := []string{"0.10", "0.02", "0.02", "c", "0.15", "0.07", "0.05", "0.08", "0.09", "0.11", "0.12", "0.06"}
	for i, v := range perm {
		eesCSV += fmt.Sprintf("201819,Academic year,Local authority,E92000001,England,%d,E0600%04d,LA %d,Total,20000,%s\n", 901+i, 901+i, 901+i, v)
	}
	eesCSV += "201819,Academic year,National,E92000001,England,,,,Total,8000000,0.10\n"
	// EES absence at LA level: overall and persistent absence, lower is
	// better; 904 not available (x). LA 901's primary-only row is not its
	// figure: LAs are ranked on the all-schools total.
	absCSV := "time_period,time_identifier,geographic_level,country_code,country_name,old_la_code,new_la_code,la_name,school_type,sess_overall_percent,enrolments_pa_10_exact_percent\n"
	overall := []string{"4.7", "5.2", "4.7", "x", "5.0", "4.1", "6.0", "4.9", "5.5", "4.4", "5.8", "5.3"}
	persistent := []string{"12.0", "14.5", "11.0", "x", "13.0", "10.5", "20.1", "12.5", "15.0", "11.5", "16.0", "13.5"}
	for i := range overall {
		absCSV += fmt.Sprintf("201819,Academic year,Local authority,E92000001,England,%d,E0600%04d,LA %d,Total,%s,%s\n", 901+i, 901+i, 901+i, overall[i], persistent[i])
	}
	absCSV += "201819,Academic year,Local authority,E92000001,England,901,E06000901,LA 901,State-funded primary,3.9,8.0\n"
	absCSV += "201819,Academic year,National,E92000001,England,,,,Total,4.7,10.9\n"

	for _, f := range []struct {
		src       *connectors.Source
		rel, body string
	}{
		{neighbours.Source, "neighbours/sn_2024.csv", sn.String()},
		{perfks4.Source, "perf_ks4/2018-19/england_ks4final.csv", final},
		{perfks4.Source, "perf_ks4/2018-19/england_ks4provisional.csv", prov},
		{ees.Source, "ees/exclusions_la.csv", eesCSV},
		{ees.Source, "ees/absence_la.csv", absCSV},
	} {
		res := conntest.Load(t, ctx, conn, f.src, writeLanding(t, f.rel, f.body))
		if res.RowsQuarantined != 0 {
			t.Fatalf("%s: %+v", f.rel, conntest.Problems(t, ctx, conn, res.LoadID))
		}
	}
	runModels(t, ctx, conn, "mart.rankings", "mart.gaps")

	tests := []struct {
		name, code, measure, source    string
		value                          float64
		national, n, neighbour, nbN, q int64
	}{
		{"the final release wins", "901", "p8", "perf_ks4", -0.1, 8, 11, 8, 11, 3},
		{"ties share the best rank", "902", "p8", "perf_ks4", 0.3, 2, 11, 0, 0, 1},
		{"ties share the best rank (2)", "903", "p8", "perf_ks4", 0.3, 2, 11, 0, 0, 1},
		{"lower is better for exclusions", "902", "permanent_exclusion_rate", "ees", 0.02, 1, 11, 0, 0, 1},
		{"a suppressed LA is not ranked", "905", "permanent_exclusion_rate", "ees", 0.15, 11, 11, 0, 0, 4},
		{"neighbours: n counts only LAs with a figure", "901", "permanent_exclusion_rate", "ees", 0.10, 8, 11, 7, 10, 3},
		{"EES LA overall absence: lower is better, total not the primary row", "901", "overall_absence", "ees", 4.7, 3, 11, 3, 10, 1},
		{"EES LA overall absence: a tie shares the rank", "903", "overall_absence", "ees", 4.7, 3, 11, 0, 0, 1},
		{"EES LA persistent absence: the highest is last", "907", "persistent_absence", "ees", 20.1, 11, 11, 0, 0, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := ranking(t, ctx, conn, "la", tt.code, tt.measure, tt.source, 201819)
			if !ok {
				t.Fatal("no row")
			}
			if r.Value != tt.value || r.NationalRank.Int64 != tt.national || r.NationalN.Int64 != tt.n || r.Quartile.Int64 != tt.q ||
				r.NeighbourRank.Int64 != tt.neighbour || r.NeighbourN.Int64 != tt.nbN {
				t.Errorf("%+v", r)
			}
		})
	}
	if _, ok := ranking(t, ctx, conn, "la", "904", "permanent_exclusion_rate", "ees", 201819); ok {
		t.Error("LA 904's suppressed (c) rate was ranked")
	}
	if _, ok := ranking(t, ctx, conn, "la", "904", "overall_absence", "ees", 201819); ok {
		t.Error("LA 904's unavailable (x) absence was ranked")
	}

	gaps := []struct {
		name, comparison string
		la               int
		group, ref, gap  sql.NullFloat64
		suppressed       bool
	}{
		{"within the LA", "disadvantaged_vs_other", 901, valid(-0.6), valid(0.02), valid(-0.62), false},
		{"against national others, as DfE published it", "disadvantaged_vs_national_other", 901, valid(-0.6), valid(0.13), valid(-0.73), false},
		{"suppressed by DfE", "disadvantaged_vs_other", 902, sql.NullFloat64{}, valid(0.02), sql.NullFloat64{}, true},
	}
	for _, g := range gaps {
		t.Run(g.name, func(t *testing.T) {
			var group, ref, gap sql.NullFloat64
			var sup bool
			if err := conn.QueryRowContext(ctx, `SELECT group_value, reference_value, gap, suppressed FROM mart.gaps
				WHERE level = 'la' AND la_code = ? AND measure = 'p8' AND comparison = ? AND time_period = 201819`, g.la, g.comparison).
				Scan(&group, &ref, &gap, &sup); err != nil {
				t.Fatal(err)
			}
			if group != g.group || ref != g.ref || gap.Valid != g.gap.Valid || math.Abs(gap.Float64-g.gap.Float64) > 1e-9 || sup != g.suppressed {
				t.Errorf("group %v ref %v gap %v suppressed %v", group, ref, gap, sup)
			}
		})
	}
}

func valid(f float64) sql.NullFloat64 { return sql.NullFloat64{Float64: f, Valid: true} }
