package sql_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	edwhsql "github.com/edwh/edwh/sql"
)

// gapFixture makes the mart tables stg.gap_cells reads, from a list of
// KS2 pupils: key, school, disadvantaged, SEN status, RWM met, read+maths.
type ks2Pupil struct {
	key      string
	urn      int
	dis      bool
	sen      string
	rwm      bool
	score    float64
	absent   int
	possible int
}

func gapFixture(t *testing.T, conn *sql.Conn, pupils []ks2Pupil) {
	t.Helper()
	exec(t, conn,
		`CREATE TABLE mart.attainment (pupil_key VARCHAR, time_period INTEGER, key_stage VARCHAR, urn INTEGER, la_code INTEGER,
			phonics_expected BOOLEAN, ks1_rwm_expected BOOLEAN, rwm_expected BOOLEAN, rwm_high BOOLEAN, read_scaled DOUBLE, read_code VARCHAR,
			mat_scaled DOUBLE, mat_code VARCHAR, att8 DOUBLE, eng_mat_94 BOOLEAN, eng_mat_95 BOOLEAN, english_grade INTEGER, maths_grade INTEGER,
			att8_eng DOUBLE, att8_mat DOUBLE, att8_ebacc DOUBLE, att8_open DOUBLE, ks2_baseline DOUBLE, p8 DOUBLE)`,
		`CREATE TABLE mart.pupils (pupil_key VARCHAR, time_period INTEGER, urn INTEGER, la_code INTEGER, disadvantaged BOOLEAN,
			sen_status VARCHAR, eal BOOLEAN, gender VARCHAR)`,
		`CREATE TABLE mart.attendance (pupil_key VARCHAR, time_period INTEGER, urn INTEGER, la_code INTEGER, sessions_absent INTEGER,
			sessions_possible INTEGER, persistent_absentee BOOLEAN)`,
		`CREATE TABLE mart.exclusions (level VARCHAR, pupil_key VARCHAR, time_period INTEGER, urn INTEGER, suspensions INTEGER, permanent_exclusions INTEGER)`,
	)
	for _, p := range pupils {
		exec(t, conn,
			fmt.Sprintf(`INSERT INTO mart.attainment (pupil_key, time_period, key_stage, urn, la_code, rwm_expected, read_scaled, mat_scaled)
				VALUES ('%s', 201819, 'ks2', %d, 851, %v, %v, %v)`, p.key, p.urn, p.rwm, p.score/2, p.score/2),
			fmt.Sprintf(`INSERT INTO mart.pupils VALUES ('%s', 201819, %d, 851, %v, '%s', false, 'F')`, p.key, p.urn, p.dis, p.sen))
		if p.possible > 0 {
			exec(t, conn, fmt.Sprintf(`INSERT INTO mart.attendance VALUES ('%s', 201819, %d, 851, %d, %d, %v)`,
				p.key, p.urn, p.absent, p.possible, float64(p.absent)/float64(p.possible) >= 0.1))
		}
	}
	build(t, conn, "stg.p8_estimates", "stg.p8_pupils", "stg.gap_traits", "stg.gap_pupil_results", "stg.gap_results", "stg.gap_results_la", "stg.gap_attendance", "stg.gap_attendance_la", "stg.gap_exclusions", "stg.gap_cells", "stg.gap_index_cells", "stg.gap_suppression", "stg.gaps_pupil", "stg.gap_index")
}

type gapRow struct {
	groupN, refN    sql.NullInt64
	group, ref, gap sql.NullFloat64
	index           sql.NullFloat64
	suppressed      bool
}

func gapOf(t *testing.T, conn *sql.Conn, table, level string, urn int, measure, comparison string) gapRow {
	t.Helper()
	var g gapRow
	q := fmt.Sprintf(`SELECT group_n, reference_n, group_value, reference_value, gap, gap_index, suppressed FROM %s
		WHERE level = ? AND coalesce(urn, 0) = ? AND measure = ? AND comparison = ?`, table)
	if err := conn.QueryRowContext(context.Background(), q, level, urn, measure, comparison).Scan(
		&g.groupN, &g.refN, &g.group, &g.ref, &g.gap, &g.index, &g.suppressed); err != nil {
		t.Fatalf("%s %s %d %s %s: %v", table, level, urn, measure, comparison, err)
	}
	return g
}

func TestGapsByHand(t *testing.T) {
	conn := fixtureDB(t, map[string]float64{"suppress_below": 3})
	// School 100001: 4 disadvantaged pupils, 1 of 4 meeting RWM (25%), 4
	// others, 3 of 4 (75%): gap -50 points. Absence: disadvantaged 10/100 and
	// 30/200 sessions, 40/300 = 13.33%; others 5/100 twice, 5%: gap +8.33
	// (a rate of sums, not a mean of rates, which would give 12.5%).
	pupils := []ks2Pupil{
		{"d1", 100001, true, "No SEN", true, 210, 10, 100}, {"d2", 100001, true, "No SEN", false, 190, 30, 200},
		{"d3", 100001, true, "No SEN", false, 180, 0, 0}, {"d4", 100001, true, "No SEN", false, 170, 0, 0},
		{"o1", 100001, false, "No SEN", true, 220, 5, 100}, {"o2", 100001, false, "No SEN", true, 215, 5, 100},
		{"o3", 100001, false, "No SEN", true, 205, 0, 0}, {"o4", 100001, false, "No SEN", false, 200, 0, 0},
	}
	gapFixture(t, conn, pupils)
	g := gapOf(t, conn, "stg.gaps_pupil", "school", 100001, "ks2_rwm_expected", "disadvantaged_vs_other")
	if g.suppressed || g.groupN.Int64 != 4 || g.refN.Int64 != 4 || !near(g.group.Float64, 25) || !near(g.ref.Float64, 75) || !near(g.gap.Float64, -50) {
		t.Errorf("RWM gap %+v", g)
	}
	a := gapOf(t, conn, "stg.gaps_pupil", "school", 100001, "overall_absence_rate", "disadvantaged_vs_other")
	// Only 2 disadvantaged pupils have attendance: fewer than 3, suppressed.
	if !a.suppressed || a.gap.Valid || a.groupN.Valid {
		t.Errorf("absence gap over 2 pupils published: %+v", a)
	}
	// The gap index: the 8 scores rank 170 (1st) to 220 (8th); the
	// disadvantaged hold ranks 1, 2, 3 and 6 (210): mean percentile
	// (1+2+3+6)/4/8 = 0.375; the others 4, 5, 7, 8: 0.75.
	// Index = 20 x (0.75 - 0.375) = 7.5.
	gi := gapOf(t, conn, "stg.gap_index", "la", 0, "ks2_gap_index", "disadvantaged_vs_other")
	if gi.suppressed || !near(gi.index.Float64, 7.5) || !near(gi.group.Float64, 0.375) {
		t.Errorf("gap index %+v, want 7.5", gi)
	}
}

func TestGapIndexTiesShareTheirMeanRank(t *testing.T) {
	conn := fixtureDB(t, map[string]float64{"suppress_below": 1})
	// Scores 180, 180, 200, 200; the disadvantaged hold the two 180s: ranks
	// 1.5 and 1.5 (r = 0.375), the others 3.5 and 3.5 (0.875): index 10, the
	// widest possible.
	gapFixture(t, conn, []ks2Pupil{
		{"d1", 100001, true, "No SEN", false, 180, 0, 0}, {"d2", 100001, true, "No SEN", false, 180, 0, 0},
		{"o1", 100001, false, "No SEN", true, 200, 0, 0}, {"o2", 100001, false, "No SEN", true, 200, 0, 0},
	})
	if gi := gapOf(t, conn, "stg.gap_index", "la", 0, "ks2_gap_index", "disadvantaged_vs_other"); !near(gi.index.Float64, 10) {
		t.Errorf("gap index %+v, want 10", gi)
	}
}

// TestSuppressedValuesCannotBeRecovered builds an LA of four schools where
// one school's EHC plan group and one school's disadvantaged group are
// small, and checks that no suppressed figure can be worked out from what
// is published: not from the school's other SEN rows, not from the LA total
// less the other schools.
func TestSuppressedValuesCannotBeRecovered(t *testing.T) {
	conn := fixtureDB(t, map[string]float64{"suppress_below": 3})
	var pupils []ks2Pupil
	add := func(urn int, dis bool, sen string, n int, rwmEvery int) {
		for i := 0; i < n; i++ {
			pupils = append(pupils, ks2Pupil{fmt.Sprintf("%d-%v-%s-%d", urn, dis, strings.ReplaceAll(sen, " ", ""), i), urn, dis, sen,
				i%rwmEvery == 0, float64(180 + 7*i%40), 0, 0})
		}
	}
	// School 1: SEN support 5, EHC plan 2 (small), no SEN 10; disadvantaged 2 (small).
	add(100001, false, "SEN support", 5, 2)
	add(100001, false, "EHC plan", 1, 1)
	add(100001, true, "EHC plan", 1, 1)
	add(100001, true, "No SEN", 1, 3)
	add(100001, false, "No SEN", 9, 2)
	// Schools 2-4: comfortable numbers everywhere but EHC plans.
	for _, urn := range []int{100002, 100003, 100004} {
		add(urn, false, "SEN support", 4, 2)
		add(urn, true, "SEN support", 4, 3)
		add(urn, true, "EHC plan", 3, 1)
		add(urn, false, "EHC plan", 3, 2)
		add(urn, true, "No SEN", 3+urn%5, 2)
		add(urn, false, "No SEN", 8+urn%3, 3)
	}
	gapFixture(t, conn, pupils)

	// School 1's EHC plan row is suppressed, and so is its SEN support row
	// (else EHC plan = any SEN - SEN support by subtraction); any SEN (7
	// pupils) can then be shown.
	if g := gapOf(t, conn, "stg.gaps_pupil", "school", 100001, "ks2_rwm_expected", "ehcp_vs_no_sen"); !g.suppressed {
		t.Errorf("EHC plan group of 2 published: %+v", g)
	}
	anySEN := gapOf(t, conn, "stg.gaps_pupil", "school", 100001, "ks2_rwm_expected", "any_sen_vs_no_sen")
	support := gapOf(t, conn, "stg.gaps_pupil", "school", 100001, "ks2_rwm_expected", "sen_support_vs_no_sen")
	if !anySEN.suppressed && !support.suppressed {
		t.Errorf("any-SEN and SEN support rows published beside a suppressed EHC plan row: %+v %+v", anySEN, support)
	}
	// And the blocking check finds nothing to recover.
	if n := recoverable(t, conn); n != 0 {
		t.Errorf("gaps_suppression_recoverable: %d sums give a figure away", n)
	}
	// In general: for every LA, year, measure and comparison, the number of
	// suppressed school rows is never exactly one (the LA row minus the
	// others would reveal it), and within a school, SEN support and EHC plan
	// are never split one suppressed, one shown, with any-SEN shown.
	var lone int
	conn.QueryRowContext(context.Background(), `SELECT count(*) FROM (
		SELECT la_code, time_period, measure, comparison FROM stg.gaps_pupil WHERE level = 'school'
		GROUP BY ALL HAVING count(*) FILTER (WHERE suppressed) = 1)`).Scan(&lone)
	if lone != 0 {
		t.Errorf("%d LA groups with exactly one suppressed school: recoverable from the LA total", lone)
	}
	var split int
	conn.QueryRowContext(context.Background(), `SELECT count(*) FROM (
		SELECT urn, time_period, measure FROM stg.gaps_pupil WHERE level = 'school'
		GROUP BY ALL
		HAVING count(*) FILTER (WHERE comparison IN ('sen_support_vs_no_sen', 'ehcp_vs_no_sen') AND suppressed) = 1
		   AND bool_or(comparison = 'any_sen_vs_no_sen' AND NOT suppressed))`).Scan(&split)
	if split != 0 {
		t.Errorf("%d schools where EHC plan or SEN support can be recovered from any SEN", split)
	}
	// And the disadvantaged row of school 1 (2 pupils) is suppressed along
	// with one other school's, not alone.
	var sup int
	conn.QueryRowContext(context.Background(), `SELECT count(*) FROM stg.gaps_pupil WHERE level = 'school'
		AND measure = 'ks2_rwm_expected' AND comparison = 'disadvantaged_vs_other' AND suppressed`).Scan(&sup)
	if sup < 2 {
		t.Errorf("%d disadvantaged rows suppressed, want at least 2", sup)
	}
}

// recoverable runs the check gaps_suppression_recoverable on stg.gaps_pupil
// and stg.gap_index as mart.gaps would publish them, and returns its failing
// rows.
func recoverable(t *testing.T, conn *sql.Conn) int {
	t.Helper()
	exec(t, conn, `CREATE OR REPLACE TABLE mart.gaps AS SELECT *, 'pupil_data' AS source FROM stg.gaps_pupil UNION ALL BY NAME SELECT *, 'pupil_data' AS source FROM stg.gap_index`)
	text, err := fs.ReadFile(edwhsql.FS, "checks/gaps_suppression_recoverable.sql")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(context.Background(), "SELECT count(*) FROM ("+strings.TrimRight(strings.TrimSpace(string(text)), ";")+")").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
