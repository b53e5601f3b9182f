package sql_test

import (
	"context"
	"database/sql"
	"strings"
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
//
// Each school has 100 pupils of 10 possible sessions, k of them absent one
// session (k = 50 for A before), so a cell has num = k, num2 = k, numden =
// 10k, den2 = 10,000. The pupils' sampling variance of a pooled rate R =
// num/den is 100^2 x (num2 - 2R numden + R^2 den2) / den^2:
//
//	one school:  (k - 0.01 k^2) / 100: A pre 0.25, post 0.24; C pre 0.25,
//	             post 0.2475; se_pupils for school A = sqrt(0.9875) = 0.9937,
//	             and with one comparison school se_schools = 0, so the
//	             interval is -1.5 -/+ 1.96 x 0.9937 = -3.448 to 0.448.
//	programme:   A+B pre (110 - 121 + 60.5) / 400 = 0.12375, post (100 -
//	             100 + 50) / 400 = 0.125; C+D pre 0.12375, post (99 - 98.01 +
//	             49.005) / 400 = 0.1249875: se_pupils = sqrt(0.4974875) =
//	             0.7053.
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
  'all' AS pupil_group, 100 AS pupils, num / 10.0 AS value, num, 1000.0 AS den, 100 AS scale,
  num AS num2, 10000.0 AS den2, 10 * num AS numden
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
	pre, post, delta, pct, cpre, cpost, did, lo, hi, seSchools, sePupils sql.NullFloat64
	npre                                                                 sql.NullInt64
	method                                                               string
}

func effectOf(t *testing.T, conn *sql.Conn, level string, urn int) effect {
	t.Helper()
	var e effect
	err := conn.QueryRowContext(context.Background(), `SELECT pre_value, post_value, delta, pct_change, comparison_pre, comparison_post,
		did, ci_low, ci_high, se_schools, se_pupils, n_pre, method FROM mart.intervention_effects
		WHERE programme = 'P' AND level = ? AND coalesce(urn, 0) = ? AND measure = 'overall_absence_rate' AND pupil_group = 'all'`, level, urn).Scan(
		&e.pre, &e.post, &e.delta, &e.pct, &e.cpre, &e.cpost, &e.did, &e.lo, &e.hi, &e.seSchools, &e.sePupils, &e.npre, &e.method)
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
	// One comparison school: every resample is the same, so se_schools is 0
	// and the interval comes from the pupils alone.
	if !near(a.seSchools.Float64, 0) || !near(a.sePupils.Float64, 0.9937) || !near(a.lo.Float64, -3.448) || !near(a.hi.Float64, 0.448) {
		t.Errorf("school A interval %v..%v (se schools %v, pupils %v)", a.lo, a.hi, a.seSchools, a.sePupils)
	}
	p := effectOf(t, conn, "programme", 0)
	if !near(p.pre.Float64, 5.5) || !near(p.post.Float64, 5) || !near(p.delta.Float64, -0.5) || !near(p.pct.Float64, -9.1) ||
		!near(p.cpre.Float64, 4.5) || !near(p.cpost.Float64, 4.95) || !near(p.did.Float64, -0.95) {
		t.Errorf("programme %+v", p)
	}
	se := max(p.seSchools.Float64, p.sePupils.Float64)
	if !near(p.sePupils.Float64, 0.7053) || !near(p.lo.Float64, -0.95-1.96*se) || !near(p.hi.Float64, -0.95+1.96*se) {
		t.Errorf("programme interval %v..%v around %v (se schools %v, pupils %v)", p.lo, p.hi, p.did, p.seSchools, p.sePupils)
	}
	// The same seed, the same interval.
	build(t, conn, "mart.intervention_effects")
	if again := effectOf(t, conn, "programme", 0); again.lo != p.lo || again.hi != p.hi {
		t.Errorf("rerun gave %v..%v, first %v..%v", again.lo, again.hi, p.lo, p.hi)
	}

	// A school in another programme over P's windows is no comparison: with
	// C in programme Q from 2016/17, A has no comparison school left and the
	// programme is compared with D alone: 4.0% -> 4.4%, did -0.5 - 0.4 = -0.9.
	exec(t, conn, `INSERT INTO stg.interventions VALUES ('Q', 100003, 'participant', NULL, DATE '2016-09-01', NULL, 'head', 1000.0)`)
	build(t, conn, "stg.programme_schools", "mart.intervention_effects")
	if a := effectOf(t, conn, "school", 100001); a.did.Valid || a.cpre.Valid {
		t.Errorf("school A still compared with C, now in programme Q: %+v", a)
	}
	if p := effectOf(t, conn, "programme", 0); !near(p.cpre.Float64, 4) || !near(p.cpost.Float64, 4.4) || !near(p.did.Float64, -0.9) {
		t.Errorf("programme without C %+v", p)
	}
	if !strings.Contains(effectOf(t, conn, "programme", 0).method, "nor in another programme") {
		t.Errorf("method does not say other programmes' schools are left out")
	}
	exec(t, conn, `DELETE FROM stg.interventions WHERE programme = 'Q'`)
	build(t, conn, "stg.programme_schools", "mart.intervention_effects")

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
	// 3 SENCO actions. Both pupil counts are under suppress_below (6), so
	// they and the costs per pupil that would give them away are NULL.
	var cost, perSchool, perUnit float64
	var participants, pupils sql.NullInt64
	var perParticipant, perPupil sql.NullFloat64
	var inputs string
	if err := conn.QueryRowContext(context.Background(), `SELECT cost, cost_per_school, participants, pupils, cost_per_participant, cost_per_pupil, cost_per_unit, inputs FROM mart.value_for_money`).Scan(
		&cost, &perSchool, &participants, &pupils, &perParticipant, &perPupil, &perUnit, &inputs); err != nil {
		t.Fatal(err)
	}
	if cost != 30000 || perSchool != 15000 || perUnit != 10000 {
		t.Errorf("vfm %v %v %v (%s)", cost, perSchool, perUnit, inputs)
	}
	if participants.Valid || pupils.Valid || perParticipant.Valid || perPupil.Valid {
		t.Errorf("counts under suppress_below published: participants %v pupils %v, per participant %v, per pupil %v", participants, pupils, perParticipant, perPupil)
	}
	if !strings.Contains(inputs, "fewer than 6 (suppressed) pupils with SEN") {
		t.Errorf("inputs %q do not say the counts are suppressed", inputs)
	}
}
