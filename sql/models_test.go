package sql_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/p8estimates"
	"github.com/edwh/edwh/pipeline/warehouse"
	edwhsql "github.com/edwh/edwh/sql"
	"github.com/edwh/edwh/transforms"
)

// fixtureDB opens an in-memory database with the macros, a stand-in
// pupil_key (the real one is an HMAC under the deployment's key), the given
// parameters and an empty raw.p8_estimates (stg.p8_pupils reads DfE's
// published estimates where a year has them).
func fixtureDB(t *testing.T, params map[string]float64) *sql.Conn {
	t.Helper()
	db, err := warehouse.Open("", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]float64{"suppress_below": 6, "p8_cap_sd": 2.3, "p8_pag_width": 0, "p8_national_sd": 0,
		"ks2_nominal_below_standard": 79, "neighbours_k": 10}
	for k, v := range params {
		defaults[k] = v
	}
	stmts := []string{"CREATE SCHEMA stg", "CREATE SCHEMA mart", "CREATE SCHEMA raw",
		"CREATE TEMP MACRO edwh_pupil_key(u) AS 'k' || u"}
	for k, v := range defaults {
		stmts = append(stmts, fmt.Sprintf("SET VARIABLE edwh_%s = %v", k, v))
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	if err := connectors.EnsureTable(context.Background(), conn, p8estimates.Source); err != nil {
		t.Fatal(err)
	}
	return conn
}

// build runs the named models, in the order given, on whatever tables the
// test created.
func build(t *testing.T, conn *sql.Conn, models ...string) {
	t.Helper()
	p, err := transforms.Load(edwhsql.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range models {
		m := p.Model(name)
		if m == nil {
			t.Fatalf("no model %s", name)
		}
		body := strings.TrimRight(strings.TrimSpace(m.SQL), ";")
		if _, err := conn.ExecContext(context.Background(), "CREATE OR REPLACE TABLE "+name+" AS "+body); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func exec(t *testing.T, conn *sql.Conn, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := conn.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// splitSQL splits a fixture script on semicolons.
func splitSQL(script string) []string {
	var out []string
	for _, s := range strings.Split(script, ";") {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.006 }

// Twelve numbers you can check on paper: two PAGs of three pupils each, two
// schools. PAG 100 has A8 40, 50, 60 (estimate 50, P8 -1, 0, +1); PAG 110
// has 60, 70, 80 (estimate 70). School 100001 gets the -1, +1 and +1
// pupils, 100002 the 0, -1 and 0. The SD of the six P8 scores is
// sqrt(4/5) = 0.894.
const p8Fixture = `
CREATE TABLE mart.attainment AS SELECT * FROM (VALUES
  ('p1', 201819, 'ks4', 100001, 851, 40.0, 8.0, 8.0, 12.0, 12.0, 100.5, NULL::DOUBLE),
  ('p2', 201819, 'ks4', 100002, 851, 50.0, 10.0, 10.0, 15.0, 15.0, 100.0, -0.1),
  ('p3', 201819, 'ks4', 100001, 851, 60.0, 12.0, 12.0, 18.0, 18.0, 100.9, NULL),
  ('p4', 201819, 'ks4', 100002, 851, 60.0, 12.0, 12.0, 18.0, 18.0, 110.2, NULL),
  ('p5', 201819, 'ks4', 100002, 851, 70.0, 14.0, 14.0, 21.0, 21.0, 110.0, NULL),
  ('p6', 201819, 'ks4', 100001, 851, 80.0, 16.0, 16.0, 24.0, 24.0, 110.7, NULL)
) t(pupil_key, time_period, key_stage, urn, la_code, att8, att8_eng, att8_mat, att8_ebacc, att8_open, ks2_baseline, p8);
CREATE TABLE mart.pupils AS SELECT * FROM (VALUES
  ('p1', 201819, true,  'SEN support', false, 'M'),
  ('p2', 201819, false, 'No SEN',      false, 'F'),
  ('p3', 201819, true,  'No SEN',      true,  'F'),
  ('p4', 201819, false, 'No SEN',      false, 'M'),
  ('p5', 201819, false, 'EHC plan',    false, 'M'),
  ('p6', 201819, true,  'No SEN',      false, 'F')
) t(pupil_key, time_period, disadvantaged, sen_status, eal, gender)`

func TestProgress8ByHand(t *testing.T) {
	tests := []struct {
		name             string
		params           map[string]float64
		p8, uncapped     float64 // school 100001, all pupils
		lo, hi           float64
		band             string
		capped           int64
		laP8, laUncapped float64
	}{
		{"no capping", map[string]float64{"suppress_below": 1},
			1.0 / 3, 1.0 / 3, 1.0/3 - 1.96*math.Sqrt(0.8)/math.Sqrt(3), 1.0/3 + 1.96*math.Sqrt(0.8)/math.Sqrt(3), "Average", 0, 0, 0},
		// With the cap at half an SD below the PAG mean, each PAG's -1 pupil
		// counts as -0.5 in averages (PAG mean 0, SD 1).
		{"extreme negative scores capped", map[string]float64{"suppress_below": 1, "p8_cap_sd": 0.5},
			0.5, 1.0 / 3, 0.5 - 1.96*math.Sqrt(0.8)/math.Sqrt(3), 0.5 + 1.96*math.Sqrt(0.8)/math.Sqrt(3), "Average", 1, 1.0 / 6, 0},
		// A fixed national SD of 0.2 narrows the interval to 0.33 +/- 0.23.
		{"national SD as a parameter", map[string]float64{"suppress_below": 1, "p8_national_sd": 0.2},
			1.0 / 3, 1.0 / 3, 1.0/3 - 1.96*0.2/math.Sqrt(3), 1.0/3 + 1.96*0.2/math.Sqrt(3), "Above average", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := fixtureDB(t, tt.params)
			for _, s := range strings.Split(p8Fixture, ";") {
				exec(t, conn, s)
			}
			build(t, conn, "stg.p8_estimates", "stg.p8_pupils", "mart.progress8")
			var p8, unc, lo, hi float64
			var band string
			var capped int64
			err := conn.QueryRowContext(context.Background(), `SELECT p8, p8_uncapped, p8_ci_low, p8_ci_high, banding, pupils_capped
				FROM mart.progress8 WHERE level = 'school' AND urn = 100001 AND pupil_group = 'all'`).Scan(&p8, &unc, &lo, &hi, &band, &capped)
			if err != nil {
				t.Fatal(err)
			}
			if !near(p8, tt.p8) || !near(unc, tt.uncapped) || !near(lo, tt.lo) || !near(hi, tt.hi) || band != tt.band || capped != tt.capped {
				t.Errorf("p8 %.3f uncapped %.3f CI %.3f..%.3f %s capped %d; want %.3f %.3f %.3f..%.3f %s %d",
					p8, unc, lo, hi, band, capped, tt.p8, tt.uncapped, tt.lo, tt.hi, tt.band, tt.capped)
			}
			var la, laU float64
			conn.QueryRowContext(context.Background(), `SELECT p8, p8_uncapped FROM mart.progress8 WHERE level = 'la' AND pupil_group = 'all'`).Scan(&la, &laU)
			if !near(la, tt.laP8) || !near(laU, tt.laUncapped) {
				t.Errorf("LA p8 %.3f uncapped %.3f, want %.3f %.3f", la, laU, tt.laP8, tt.laUncapped)
			}
			// Element scores: English is (A8 English - estimate) / 2. Pupil p1
			// has 8 against an estimate of 10: -1.
			var eng float64
			conn.QueryRowContext(context.Background(), `SELECT p8_eng FROM stg.p8_pupils WHERE pupil_key = 'p1'`).Scan(&eng)
			if !near(eng, -1) {
				t.Errorf("p1 English element %.3f, want -1", eng)
			}
		})
	}
}

func TestProgress8SuppressesSmallGroupsAndReportsDfEsFigure(t *testing.T) {
	conn := fixtureDB(t, map[string]float64{"suppress_below": 3})
	for _, s := range strings.Split(p8Fixture, ";") {
		exec(t, conn, s)
	}
	build(t, conn, "stg.p8_estimates", "stg.p8_pupils", "mart.progress8")
	rows, err := conn.QueryContext(context.Background(), `SELECT level, coalesce(urn, 0), pupil_group, suppressed, p8 IS NULL, pupils IS NULL
		FROM mart.progress8 ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var level, group string
		var urn int
		var sup, nullP8, nullN bool
		rows.Scan(&level, &urn, &group, &sup, &nullP8, &nullN)
		n++
		// School 100001 has 3 pupils (shown); its disadvantaged group has 3
		// (shown); its SEN support group has 1 (suppressed).
		if sup != (nullP8 && nullN) {
			t.Errorf("%s %d %s: suppressed %v but values null %v/%v", level, urn, group, sup, nullP8, nullN)
		}
		if level == "school" && urn == 100001 && group == "sen_support" && !sup {
			t.Errorf("a group of one pupil was published")
		}
		if level == "school" && urn == 100001 && group == "all" && sup {
			t.Errorf("a group of three was suppressed at threshold 3")
		}
	}
	if n == 0 {
		t.Fatal("no rows")
	}
	// No split of 'all' into two or more groups has exactly one member
	// suppressed (a split with one group present is 'all' itself).
	var lone int
	conn.QueryRowContext(context.Background(), `SELECT count(*) FROM (
		SELECT level, urn, CASE WHEN pupil_group IN ('disadvantaged','not_disadvantaged') THEN 'd'
		                        WHEN pupil_group IN ('boys','girls') THEN 'g'
		                        WHEN pupil_group IN ('eal','english_first') THEN 'e'
		                        WHEN pupil_group IN ('sen_support','ehcp','no_sen') THEN 's' END AS split
		FROM mart.progress8 WHERE pupil_group <> 'all'
		GROUP BY ALL HAVING count(*) FILTER (WHERE suppressed) = 1 AND count(*) >= 2)`).Scan(&lone)
	if lone != 0 {
		t.Errorf("%d splits with exactly one suppressed member", lone)
	}
	// DfE's own P8 where the file gave one: pupil p2 at school 100002.
	var sup, diff sql.NullFloat64
	conn.QueryRowContext(context.Background(), `SELECT p8_supplied, p8_difference FROM mart.progress8 WHERE level = 'school' AND urn = 100002 AND pupil_group = 'all'`).Scan(&sup, &diff)
	if !sup.Valid || !near(sup.Float64, -0.1) || !near(diff.Float64, -1.0/3+0.1) {
		t.Errorf("supplied %v difference %v", sup, diff)
	}
}

// stgCensus creates an empty stg.census, for tests of the models that read it.
const stgCensus = `CREATE TABLE stg.census (upn VARCHAR, urn INTEGER, laestab INTEGER, la_code INTEGER,
	census_date DATE, time_period INTEGER, term VARCHAR, nc_year VARCHAR, gender VARCHAR, dob DATE,
	ethnicity VARCHAR, first_language VARCHAR, sen_provision VARCHAR, sen_primary_need VARCHAR,
	fsm_eligible BOOLEAN, ever_fsm6 BOOLEAN, looked_after BOOLEAN, adopted_from_care BOOLEAN,
	load_id INTEGER, line INTEGER)`

// mart.pupils takes EverFSM6 from the census where the extract gives it, and
// otherwise derives it from the FSM flags of the pupil's census terms in
// the year and the five before: a pupil eligible six years ago still
// counts, seven years ago no longer.
func TestPupilsEverFSM6(t *testing.T) {
	conn := fixtureDB(t, nil)
	exec(t, conn, stgCensus,
		`INSERT INTO stg.census (upn, urn, la_code, census_date, time_period, term, fsm_eligible, ever_fsm6, load_id, line) VALUES
		-- FSM in 2013/14 (spring), none given since: derived true in 2018/19, the fifth year after
		('A1', 1, 851, '2014-01-16', 201314, 'spring', true, NULL, 1, 1),
		('A1', 1, 851, '2019-01-17', 201819, 'spring', false, NULL, 2, 1),
		-- FSM in 2012/13 only: six years before 2018/19, so false
		('B1', 1, 851, '2013-01-17', 201213, 'spring', true, NULL, 1, 2),
		('B1', 1, 851, '2019-01-17', 201819, 'spring', false, NULL, 2, 2),
		-- FSM in the summer census of this year: derived true
		('C1', 1, 851, '2019-01-17', 201819, 'spring', false, NULL, 2, 3),
		('C1', 1, 851, '2019-05-16', 201819, 'summer', true, NULL, 3, 1),
		-- the extract says EverFSM6 false: kept, though the history says FSM
		('D1', 1, 851, '2016-01-14', 201516, 'spring', true, true, 1, 3),
		('D1', 1, 851, '2019-01-17', 201819, 'spring', false, false, 2, 4),
		-- the extract says true, with no FSM in any census loaded
		('E1', 1, 851, '2019-01-17', 201819, 'spring', false, true, 2, 5)`)
	build(t, conn, "mart.pupils")
	tests := []struct {
		upn  string
		want bool
	}{
		{"A1", true}, {"B1", false}, {"C1", true}, {"D1", false}, {"E1", true},
	}
	for _, tt := range tests {
		t.Run(tt.upn, func(t *testing.T) {
			var ever, dis sql.NullBool
			if err := conn.QueryRowContext(context.Background(), `SELECT ever_fsm6, disadvantaged FROM mart.pupils
				WHERE pupil_key = 'k' || ? AND time_period = 201819`, tt.upn).Scan(&ever, &dis); err != nil {
				t.Fatal(err)
			}
			if !ever.Valid || ever.Bool != tt.want || dis.Bool != tt.want {
				t.Errorf("ever_fsm6 %v, disadvantaged %v; want %v", ever, dis, tt.want)
			}
		})
	}
}

// mart.pupils keeps one census row per pupil and year: the spring census
// where there is one, else the latest; at two schools on the same census
// date (dual registration), the row loaded first. Most pupils have one row
// and skip the choosing, so the cases mix both kinds.
func TestPupilsChoosesOneCensusAYear(t *testing.T) {
	conn := fixtureDB(t, nil)
	exec(t, conn, stgCensus,
		`INSERT INTO stg.census (upn, urn, la_code, census_date, time_period, term, ever_fsm6, load_id, line) VALUES
		-- one row
		('A1', 1, 851, '2019-01-17', 201819, 'spring', false, 1, 1),
		-- three terms: spring, though summer is later
		('B1', 1, 851, '2018-10-04', 201819, 'autumn', false, 1, 2),
		('B1', 2, 851, '2019-01-17', 201819, 'spring', false, 2, 1),
		('B1', 3, 851, '2019-05-16', 201819, 'summer', false, 3, 1),
		-- no spring census: the latest
		('C1', 1, 851, '2018-10-04', 201819, 'autumn', false, 1, 3),
		('C1', 4, 851, '2019-05-16', 201819, 'summer', false, 3, 2),
		-- dual registration: the row loaded first, then the earlier line
		('D1', 5, 851, '2019-01-17', 201819, 'spring', false, 4, 7),
		('D1', 6, 851, '2019-01-17', 201819, 'spring', false, 4, 2),
		('D1', 7, 851, '2019-01-17', 201819, 'spring', false, 5, 1),
		-- a year each: both kept
		('E1', 1, 851, '2018-01-18', 201718, 'spring', false, 1, 4),
		('E1', 8, 851, '2019-01-17', 201819, 'spring', false, 2, 3)`)
	build(t, conn, "mart.pupils")
	var rows, keys int
	if err := conn.QueryRowContext(context.Background(), `SELECT count(*), count(DISTINCT (pupil_key, time_period)) FROM mart.pupils`).
		Scan(&rows, &keys); err != nil {
		t.Fatal(err)
	}
	if rows != 6 || keys != 6 {
		t.Errorf("%d rows for %d pupil-years; want 6 and 6", rows, keys)
	}
	tests := []struct {
		upn    string
		period int
		urn    int
		term   string
	}{
		{"A1", 201819, 1, "spring"},
		{"B1", 201819, 2, "spring"},
		{"C1", 201819, 4, "summer"},
		{"D1", 201819, 6, "spring"},
		{"E1", 201718, 1, "spring"},
		{"E1", 201819, 8, "spring"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.upn, tt.period), func(t *testing.T) {
			var urn int
			var term string
			if err := conn.QueryRowContext(context.Background(), `SELECT urn, census_term FROM mart.pupils
				WHERE pupil_key = 'k' || ? AND time_period = ?`, tt.upn, tt.period).Scan(&urn, &term); err != nil {
				t.Fatal(err)
			}
			if urn != tt.urn || term != tt.term {
				t.Errorf("urn %d, term %s; want %d, %s", urn, term, tt.urn, tt.term)
			}
		})
	}
}
