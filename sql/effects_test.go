package sql_test

import (
	"context"
	"database/sql"
	"testing"
)

// A programme of two schools (A, B) in one triad-like group, each compared
// with one similar school (C for A, D for B), absence per 1,000 sessions:
//
//	        pre (2015/16)   post (2016/17)   delta
//	A       50 = 5.0%       40 = 4.0%        -1.0
//	B       60 = 6.0%       60 = 6.0%         0.0
//	C       50 = 5.0%       55 = 5.5%        +0.5
//	D       40 = 4.0%       44 = 4.4%        +0.4
//
// School A: did = -1.0 - 0.5 = -1.5. Programme: pre 110/2000 = 5.5%, post
// 5.0%, delta -0.5 (-9.1%); comparison 4.5% -> 4.95%; did = -0.95.
const effectsFixture = `
CREATE SCHEMA ops;
CREATE TABLE ops.programme_settings (programme VARCHAR, pre_from INTEGER, pre_to INTEGER, post_from INTEGER, post_to INTEGER, unit VARCHAR, units DOUBLE);
INSERT INTO ops.programme_settings VALUES ('P', NULL, NULL, NULL, NULL, 'SENCO action', 3);
CREATE TABLE stg.interventions AS SELECT * FROM (VALUES
  ('P', 100001, 'participant', 'T1', DATE '2016-09-01', DATE '2018-08-31', 'senco', 15000.0),
  ('P', 100002, 'coach',       'T1', DATE '2016-09-01', DATE '2018-08-31', 'head',  15000.0)
) t(programme, urn, role, group_id, start_date, end_date, lead, cost);
CREATE TABLE mart.school_neighbours AS SELECT * FROM (VALUES
  (100001, 100003, 201516, 1), (100001, 100002, 201516, 2),
  (100002, 100004, 201516, 1), (100002, 100001, 201516, 2)
) t(urn, neighbour_urn, time_period, rank);
CREATE TABLE stg.gap_cells AS SELECT 'school' AS level, urn, 851 AS la_code, time_period, 'overall_absence_rate' AS measure,
  'all' AS pupil_group, 100 AS pupils, num / 10.0 AS value, num, 1000.0 AS den, 100 AS scale
FROM (VALUES (100001, 201516, 50.0), (100001, 201617, 40.0), (100002, 201516, 60.0), (100002, 201617, 60.0),
             (100003, 201516, 50.0), (100003, 201617, 55.0), (100004, 201516, 40.0), (100004, 201617, 44.0)) t(urn, time_period, num);
CREATE TABLE mart.pupils AS SELECT * FROM (VALUES
  ('a1', 201617, 100001, 'SEN support'), ('a2', 201617, 100001, 'No SEN'), ('b1', 201617, 100002, 'EHC plan')
) t(pupil_key, time_period, urn, sen_status);
CREATE TABLE stg.audit AS SELECT * FROM (VALUES
  (100001, 'P', 'Leadership', 'pre', 1.0, 3), (100001, 'P', 'Leadership', 'pre', 2.0, 3),
  (100001, 'P', 'Leadership', 'post', 2.0, 3), (100001, 'P', 'Leadership', 'post', 3.0, 3),
  (100002, 'P', 'Leadership', 'pre', 2.0, 3), (100002, 'P', 'Leadership', 'post', 1.0, 3)
) t(urn, programme, area, stage, rating_score, scale_max)`

type effect struct {
	pre, post, delta, pct, cpre, cpost, did, lo, hi sql.NullFloat64
	npre                                            sql.NullInt64
	method                                          string
}

func effectOf(t *testing.T, conn *sql.Conn, level string, urn int) effect {
	t.Helper()
	var e effect
	err := conn.QueryRowContext(context.Background(), `SELECT pre_value, post_value, delta, pct_change, comparison_pre, comparison_post,
		did, ci_low, ci_high, n_pre, method FROM mart.intervention_effects
		WHERE level = ? AND coalesce(urn, 0) = ? AND measure = 'overall_absence_rate' AND pupil_group = 'all'`, level, urn).Scan(
		&e.pre, &e.post, &e.delta, &e.pct, &e.cpre, &e.cpost, &e.did, &e.lo, &e.hi, &e.npre, &e.method)
	if err != nil {
		t.Fatalf("%s %d: %v", level, urn, err)
	}
	return e
}

func TestInterventionEffectsByHand(t *testing.T) {
	conn := fixtureDB(t, map[string]float64{"suppress_below": 6, "neighbours_k": 1, "bootstrap_replicates": 200, "bootstrap_seed": 7})
	exec(t, conn, splitSQL(effectsFixture)...)
	build(t, conn, "stg.programme_schools", "mart.intervention_effects", "mart.audit_progress", "mart.value_for_money")

	a := effectOf(t, conn, "school", 100001)
	if !near(a.pre.Float64, 5) || !near(a.post.Float64, 4) || !near(a.delta.Float64, -1) || !near(a.pct.Float64, -20) ||
		!near(a.cpre.Float64, 5) || !near(a.cpost.Float64, 5.5) || !near(a.did.Float64, -1.5) || a.npre.Int64 != 100 {
		t.Errorf("school A %+v", a)
	}
	// One comparison school: every resample is the same, the interval a point.
	if !near(a.lo.Float64, -1.5) || !near(a.hi.Float64, -1.5) {
		t.Errorf("school A interval %v..%v", a.lo, a.hi)
	}
	p := effectOf(t, conn, "programme", 0)
	if !near(p.pre.Float64, 5.5) || !near(p.post.Float64, 5) || !near(p.delta.Float64, -0.5) || !near(p.pct.Float64, -9.1) ||
		!near(p.cpre.Float64, 4.5) || !near(p.cpost.Float64, 4.95) || !near(p.did.Float64, -0.95) {
		t.Errorf("programme %+v", p)
	}
	if !(p.lo.Float64 <= p.did.Float64 && p.did.Float64 <= p.hi.Float64) || p.lo.Float64 >= p.hi.Float64 {
		t.Errorf("programme interval %v..%v around %v", p.lo, p.hi, p.did)
	}
	// The same seed, the same interval.
	build(t, conn, "mart.intervention_effects")
	if again := effectOf(t, conn, "programme", 0); again.lo != p.lo || again.hi != p.hi {
		t.Errorf("rerun gave %v..%v, first %v..%v", again.lo, again.hi, p.lo, p.hi)
	}

	// Audit: A's leadership rose from (1+2)/2 = 1.5 to 2.5: +66.7%, '>=20%',
	// Amber to Green; B's fell from 2 to 1: 'decline'. Summed RAG points for
	// the programme: pre A(2) + A(2) = 4, post G(3) + R(1) = 4.
	var band, ragPre, ragPost string
	var pct float64
	conn.QueryRowContext(context.Background(), `SELECT band, rag_pre, rag_post, pct_change FROM mart.audit_progress WHERE urn = 100001`).Scan(&band, &ragPre, &ragPost, &pct)
	if band != ">=20%" || ragPre != "A" || ragPost != "G" || !near(pct, 66.7) {
		t.Errorf("audit A: %s %s->%s %.1f", band, ragPre, ragPost, pct)
	}
	conn.QueryRowContext(context.Background(), `SELECT band FROM mart.audit_progress WHERE urn = 100002`).Scan(&band)
	if band != "decline" {
		t.Errorf("audit B band %s", band)
	}
	var pre, post int
	conn.QueryRowContext(context.Background(), `SELECT rag_pre_points, rag_post_points FROM mart.audit_progress WHERE urn IS NULL`).Scan(&pre, &post)
	if pre != 4 || post != 4 {
		t.Errorf("RAG points %d -> %d", pre, post)
	}

	// Value for money: £30,000 over 2 schools, 2 pupils with SEN, 3 pupils,
	// 3 SENCO actions.
	var cost, perSchool, perParticipant, perUnit float64
	var inputs string
	conn.QueryRowContext(context.Background(), `SELECT cost, cost_per_school, cost_per_participant, cost_per_unit, inputs FROM mart.value_for_money`).Scan(
		&cost, &perSchool, &perParticipant, &perUnit, &inputs)
	if cost != 30000 || perSchool != 15000 || perParticipant != 15000 || perUnit != 10000 {
		t.Errorf("vfm %v %v %v %v (%s)", cost, perSchool, perParticipant, perUnit, inputs)
	}
}
