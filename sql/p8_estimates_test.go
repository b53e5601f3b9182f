package sql_test

import (
	"context"
	"database/sql"
	"io/fs"
	"math"
	"strings"
	"testing"

	edwhsql "github.com/edwh/edwh/sql"
)

// Progress 8 against DfE's published estimates, on paper. Three bands for
// 2023/24, touching at 95 and 105 (a shared bound belongs to the higher
// band):
//
//	PAG 1  80 to 95    estimated A8 30 (English 6, maths 6, EBacc 8, open 10)
//	PAG 2  95 to 105   estimated A8 45
//	PAG 3  105 to 120  estimated A8 60
//
// Twelve pupils, P8 = (A8 - estimate) / 10:
//
//	school 100001  a1 85: 35 -> +0.5   a2 95: 50 -> +0.5 (PAG 2, not 1)   a3 100: 40 -> -0.5
//	               a4 110: 70 -> +1.0  a5 120: 60 -> 0                    a6 105: 55 -> -0.5 (PAG 3, not 2)
//	               mean 1.0 / 6 = +0.167
//	school 100002  b1 90: 20 -> -1.0   b2 94.5: 40 -> +1.0               b3 98: 45 -> 0
//	               b4 102: 55 -> +1.0  b5 115: 50 -> -1.0                 b6 118: 65 -> +0.5
//	               mean 0.5 / 6 = +0.083
//	LA             mean 1.5 / 12 = +0.125, not 0: these are England's estimates
//
// A thirteenth pupil, c1 at school 100002, has a baseline of 78, below the
// lowest band: no P8, and the check p8_no_published_estimate counts one.
//
// Capping with p8_cap_sd = 1 and no caps in the file: a PAG's mean P8 is 0
// by definition, so its cap is -1 x the SD of its pupils' P8. PAG 3 holds
// +1, 0, -0.5, -1 and +0.5: SD sqrt(2.5 / 4) = 0.791, so b5 counts as
// -0.791. PAG 2 holds +0.5, -0.5, 0 and +1: SD sqrt(1.25 / 3) = 0.645, so a3
// (-0.5) is not capped (it would be at the pupils' own mean 0.25 less 0.645).
// PAG 1 holds +0.5, -1 and +1: SD 1.041, b1 not capped. School 100002 is
// then (0.5 + 1 - 0.791) / 6 = +0.118 (b5's -1 counted as -0.791).
//
// The same pupils in 2022/23, a year without published estimates, are
// measured against their own PAG means: the LA's P8 is 0 there.
const p8PublishedFixture = `
CREATE TABLE mart.attainment AS
SELECT pupil_key, unnest([202324, 202223]) AS time_period, 'ks4' AS key_stage, urn, 851 AS la_code,
       att8, att8_eng, att8_mat, att8_ebacc, att8_open, ks2_baseline, NULL::DOUBLE AS p8
FROM (VALUES
  ('a1', 100001, 35.0, 8.0, 7.0, 9.0, 11.0, 85.0),
  ('a2', 100001, 50.0, NULL, NULL, NULL, NULL, 95.0),
  ('a3', 100001, 40.0, NULL, NULL, NULL, NULL, 100.0),
  ('a4', 100001, 70.0, NULL, NULL, NULL, NULL, 110.0),
  ('a5', 100001, 60.0, NULL, NULL, NULL, NULL, 120.0),
  ('a6', 100001, 55.0, NULL, NULL, NULL, NULL, 105.0),
  ('b1', 100002, 20.0, NULL, NULL, NULL, NULL, 90.0),
  ('b2', 100002, 40.0, NULL, NULL, NULL, NULL, 94.5),
  ('b3', 100002, 45.0, NULL, NULL, NULL, NULL, 98.0),
  ('b4', 100002, 55.0, NULL, NULL, NULL, NULL, 102.0),
  ('b5', 100002, 50.0, NULL, NULL, NULL, NULL, 115.0),
  ('b6', 100002, 65.0, NULL, NULL, NULL, NULL, 118.0),
  ('c1', 100002, 30.0, NULL, NULL, NULL, NULL, 78.0)
) t(pupil_key, urn, att8, att8_eng, att8_mat, att8_ebacc, att8_open, ks2_baseline);
CREATE TABLE mart.pupils AS
SELECT pupil_key, time_period, false AS disadvantaged, 'No SEN' AS sen_status, false AS eal, 'F' AS gender
FROM mart.attainment;
INSERT INTO raw_rows.p8_estimates BY NAME
SELECT 1 AS _load_id, '2023-24/estimates.csv' AS _file, * FROM (VALUES
  (2, 202324, 1, 80.0, 95.0, 30.0, 6.0, 6.0, 8.0, 10.0),
  (3, 202324, 2, 95.0, 105.0, 45.0, NULL, NULL, NULL, NULL),
  (4, 202324, 3, 105.0, 120.0, 60.0, NULL, NULL, NULL, NULL)
) t(_line, time_period, pag, ks2_lower, ks2_upper, est_att8, est_eng, est_mat, est_ebacc, est_open)`

func TestProgress8AgainstPublishedEstimatesByHand(t *testing.T) {
	bPAG3SD := math.Sqrt(2.5 / 4)
	tests := []struct {
		name   string
		params map[string]float64
		setup  []string // after the fixture
		// school and LA figures for 2023/24, all pupils
		school1, school2, school2Uncapped, la float64
		b5Adjusted                            float64 // pupil b5's P8 as counted in averages
	}{
		{
			name:    "caps from the pupils loaded",
			params:  map[string]float64{"suppress_below": 1, "p8_cap_sd": 1},
			school1: 1.0 / 6, school2: (1.5 - bPAG3SD) / 6, school2Uncapped: 0.5 / 6, la: (2.5 - bPAG3SD) / 12,
			b5Adjusted: -bPAG3SD,
		},
		{
			// DfE's caps, where the file gives them: PAG 3 at -0.8, PAGs 1
			// and 2 (blank) uncapped whatever p8_cap_sd says.
			name:    "caps from the estimates file",
			params:  map[string]float64{"suppress_below": 1, "p8_cap_sd": 0.1},
			setup:   []string{`UPDATE raw_rows.p8_estimates SET p8_cap = -0.8 WHERE pag = 3`},
			school1: 1.0 / 6,
			school2: (1.5 - 0.8) / 6, school2Uncapped: 0.5 / 6, la: (2.5 - 0.8) / 12,
			b5Adjusted: -0.8,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := fixtureDB(t, tt.params)
			exec(t, conn, splitSQL(p8PublishedFixture)...)
			exec(t, conn, tt.setup...)
			build(t, conn, "stg.p8_estimates", "stg.p8_pupils", "mart.progress8")
			ctx := context.Background()

			// Each pupil's band, estimate and P8.
			pupils := []struct {
				key      string
				pag      float64
				estimate float64
				p8       float64
			}{
				{"a1", 80, 30, 0.5}, {"a2", 95, 45, 0.5}, {"a3", 95, 45, -0.5}, {"a4", 105, 60, 1},
				{"a5", 105, 60, 0}, {"a6", 105, 60, -0.5}, {"b1", 80, 30, -1}, {"b2", 80, 30, 1},
				{"b3", 95, 45, 0}, {"b4", 95, 45, 1}, {"b5", 105, 60, -1}, {"b6", 105, 60, 0.5},
			}
			for _, p := range pupils {
				var pag, est, p8 float64
				var source string
				if err := conn.QueryRowContext(ctx, `SELECT pag, est_att8, p8, estimate_source FROM stg.p8_pupils
					WHERE pupil_key = ? AND time_period = 202324`, p.key).Scan(&pag, &est, &p8, &source); err != nil {
					t.Fatalf("%s: %v", p.key, err)
				}
				if pag != p.pag || est != p.estimate || !near(p8, p.p8) || source != "dfe_published" {
					t.Errorf("%s: PAG %g estimate %g P8 %.3f %s, want %g %g %.3f dfe_published", p.key, pag, est, p8, source, p.pag, p.estimate, p.p8)
				}
			}
			var adj float64
			conn.QueryRowContext(ctx, `SELECT p8_adjusted FROM stg.p8_pupils WHERE pupil_key = 'b5' AND time_period = 202324`).Scan(&adj)
			if math.Abs(adj-tt.b5Adjusted) > 1e-9 {
				t.Errorf("b5 counts as %.4f, want %.4f", adj, tt.b5Adjusted)
			}
			// Element scores from the file's element estimates: a1 has
			// English 8 against 6, maths 7 against 6, EBacc 9 against 8,
			// open 11 against 10.
			var eng, mat, ebacc, open float64
			conn.QueryRowContext(ctx, `SELECT p8_eng, p8_mat, p8_ebacc, p8_open FROM stg.p8_pupils WHERE pupil_key = 'a1' AND time_period = 202324`).Scan(&eng, &mat, &ebacc, &open)
			if !near(eng, 1) || !near(mat, 0.5) || !near(ebacc, 1.0/3) || !near(open, 1.0/3) {
				t.Errorf("a1 elements %.3f %.3f %.3f %.3f, want 1 0.5 0.333 0.333", eng, mat, ebacc, open)
			}

			got := func(level string, urn int, year int) (p8, uncapped float64, pupils int64, source string) {
				t.Helper()
				if err := conn.QueryRowContext(ctx, `SELECT p8, p8_uncapped, pupils, estimate_source FROM mart.progress8
					WHERE level = ? AND coalesce(urn, 0) = ? AND pupil_group = 'all' AND time_period = ?`, level, urn, year).Scan(&p8, &uncapped, &pupils, &source); err != nil {
					t.Fatalf("%s %d %d: %v", level, urn, year, err)
				}
				return
			}
			if p8, unc, n, src := got("school", 100001, 202324); !near(p8, tt.school1) || !near(unc, 1.0/6) || n != 6 || src != "dfe_published" {
				t.Errorf("school 100001: p8 %.3f uncapped %.3f pupils %d %s, want %.3f %.3f 6 dfe_published", p8, unc, n, src, tt.school1, 1.0/6)
			}
			// c1 is not among school 100002's pupils: no band holds 78.
			if p8, unc, n, _ := got("school", 100002, 202324); !near(p8, tt.school2) || !near(unc, tt.school2Uncapped) || n != 6 {
				t.Errorf("school 100002: p8 %.3f uncapped %.3f pupils %d, want %.3f %.3f 6", p8, unc, n, tt.school2, tt.school2Uncapped)
			}
			if p8, unc, n, _ := got("la", 0, 202324); !near(p8, tt.la) || !near(unc, 0.125) || n != 12 {
				t.Errorf("LA: p8 %.3f uncapped %.3f pupils %d, want %.3f 0.125 12", p8, unc, n, tt.la)
			}
			// 2022/23 has no published estimates: the cohort's own, every
			// pupil with a baseline counted, the LA at 0.
			if _, unc, n, src := got("la", 0, 202223); !near(unc, 0) || n != 13 || src != "cohort_loaded" {
				t.Errorf("LA 2022/23: uncapped %.3f pupils %d %s, want 0 13 cohort_loaded", unc, n, src)
			}

			if n := customCheck(t, conn, "p8_no_published_estimate"); n != 1 {
				t.Errorf("p8_no_published_estimate: %d pupils, want 1 (c1)", n)
			}
		})
	}
}

// customCheck runs one of sql/checks and returns how many rows it finds.
func customCheck(t *testing.T, conn *sql.Conn, name string) int64 {
	t.Helper()
	b, err := fs.ReadFile(edwhsql.FS, "checks/"+name+".sql")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	q := "SELECT count(*) FROM (" + strings.TrimRight(strings.TrimSpace(string(b)), ";") + "\n)"
	if err := conn.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}
