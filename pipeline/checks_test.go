package pipeline_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/synth"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// upn makes a valid permanent UPN from its 12-character body (LA, estab,
// year issued, serial).
func upn(t *testing.T, body string) string {
	t.Helper()
	c, err := synth.UPNCheckLetter(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(c) + body
}

// writeLanding writes files (path relative to the landing folder: content).
func writeLanding(t *testing.T, c *pipeline.Config, files map[string]string) {
	t.Helper()
	for rel, body := range files {
		p := filepath.Join(c.LandingDir(), rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// smallSchools is a GIAS extract of three schools of LA 851: two primaries
// and a secondary.
const smallSchools = `URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),OpenDate,CloseDate,StatutoryLowAge,StatutoryHighAge,Postcode
100001,851,Demo LA,2001,Alder Primary School,Community school,Primary,01/09/1990,,4,11,LS1 1AA
100002,851,Demo LA,2002,Birch Primary School,Community school,Primary,01/09/1990,,4,11,LS1 1AB
100003,851,Demo LA,4001,Cedar Academy,Academy converter,Secondary,01/09/2012,,11,16,LS1 1AC
`

// writeSmallLA lands smallSchools and a census of two pupils at the first
// of them.
func writeSmallLA(t *testing.T, c *pipeline.Config) {
	t.Helper()
	writeLanding(t, c, map[string]string{
		"establishments/gias_extract.csv": smallSchools,
		"census/census_spring_2019.csv": "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n" +
			upn(t, "851200118001") + ",8512001,17/01/2019,1,N,0\n" +
			upn(t, "851200118002") + ",8512001,17/01/2019,1,K,1\n",
	})
}

// TestFailingBlockingCheckPublishesNothing plants data that breaks a
// blocking check (an audit export for a LAESTAB the establishments
// reference does not know, so stg.audit gets a row with no URN) on top of a
// good published run: the run exits non-zero naming the check, publish/
// still points at the previous snapshot with its content, and ops.checks
// keeps the 'fail' row of the failed run.
func TestFailingBlockingCheckPublishesNothing(t *testing.T) {
	c, _ := deployment(t, false)
	writeSmallLA(t, c)
	first := runOnce(t, c)
	before := fingerprint(t, c)

	writeLanding(t, c, map[string]string{
		"audit/send_audit_unknown_school.csv": "LAESTAB,AuditDate,Stage,Area,Item,Rating\n" +
			"8519999,12/03/2019,Pre,Identification of need,SEN register up to date,A\n",
	})
	cmd := subprocess(t, c, "")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("run with a failing blocking check: %v, want exit status 1\n%s", err, out)
	}
	const check = "not_null(stg.audit.urn)"
	if !strings.Contains(string(out), check) || !strings.Contains(string(out), "nothing published") {
		t.Errorf("the failure does not name %s:\n%s", check, out)
	}
	cur, _ := os.Readlink(filepath.Join(c.PublishDir(), "current"))
	if !strings.HasSuffix(cur, first.Published) {
		t.Errorf("current is %s, want the previous snapshot %s", cur, first.Published)
	}
	if got := fingerprint(t, c); got != before {
		t.Errorf("the published snapshot changed:\n got %s\nwant %s", got, before)
	}

	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var status, severity string
	var failing int64
	if err := db.QueryRow(`SELECT status, severity, failing_rows FROM ops.checks
		WHERE "check" = ? AND run_id = (SELECT max(run_id) FROM ops.runs)`, check).Scan(&status, &severity, &failing); err != nil {
		t.Fatalf("no ops.checks row for %s in the failed run: %v", check, err)
	}
	if status != "fail" || severity != "error" || failing != 1 {
		t.Errorf("ops.checks: %s %s %d failing rows, want fail error 1", status, severity, failing)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM ops.runs WHERE run_id = (SELECT max(run_id) FROM ops.runs)
		AND status = 'failed' AND published IS NULL AND checks_failed >= 1`); n != 1 {
		t.Errorf("the last run is not recorded as failed with nothing published")
	}
	// The bad file was loaded (its row is not a parse error): the fix is to
	// correct the school, not to re-send the file.
	if n := queryInt(t, db, `SELECT count(*) FROM raw.audit WHERE laestab = 8519999`); n != 1 {
		t.Errorf("raw.audit holds %d rows of the unknown school, want 1", n)
	}
}

// workingDB opens the working database with the deployment's pupil key
// macro (edwh_pupil_key), so tests can find a pupil of the landing files in
// the pseudonymised marts.
func workingDB(t *testing.T, c *pipeline.Config) *sql.DB {
	t.Helper()
	secret, err := pipeline.LoadSecret(c)
	if err != nil {
		t.Fatal(err)
	}
	db, err := pipeline.OpenWorking(c, secret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestGoodRunOnTheSyntheticLA runs the synthetic LA once and looks inside:
// the data checks of every kind ran and passed, and the re-issued census
// extract the generator plants superseded the LA-wide file in the marts
// while the stale rows stay in raw history.
func TestGoodRunOnTheSyntheticLA(t *testing.T) {
	c, truth := deployment(t, true)
	sum := runOnce(t, c)
	db := workingDB(t, c)

	t.Run("checks of every kind recorded", func(t *testing.T) {
		kinds := []struct{ name, like string }{
			{"not_null", `not\_null(%`},
			{"unique", `unique(%`},
			{"accepted_values", `accepted\_values(%`},
			{"relationships", `relationships(%`},
			// custom SQL checks are named by their file: loads_balance.sql
			{"custom SQL", `loads\_balance`},
		}
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) {
				n := queryInt(t, db, `SELECT count(*) FROM ops.checks WHERE run_id = ? AND "check" LIKE ? ESCAPE '\'`, sum.RunID, k.like)
				if n == 0 {
					t.Errorf("no %s check recorded in ops.checks for run %d", k.name, sum.RunID)
				}
				bad := queryInt(t, db, `SELECT count(*) FROM ops.checks WHERE run_id = ? AND "check" LIKE ? ESCAPE '\'
					AND severity = 'error' AND status <> 'pass'`, sum.RunID, k.like)
				if bad != 0 {
					t.Errorf("%d blocking %s checks did not pass on a good run", bad, k.name)
				}
			})
		}
		if n := queryInt(t, db, `SELECT count(*) FROM ops.checks WHERE run_id = ? AND "check" NOT LIKE '%(%'`, sum.RunID); n < 5 {
			t.Errorf("only %d custom SQL checks recorded", n)
		}
	})

	t.Run("re-issued census supersedes in the marts", func(t *testing.T) {
		re := truth.Reissue
		if re.CorrectedSEN == 0 || len(re.CorrectedUPN) != re.CorrectedSEN {
			t.Fatalf("the generator planted no corrected pupils: %+v", re)
		}
		senStatus := `CASE %s WHEN 'E' THEN 'EHC plan' WHEN 'K' THEN 'SEN support' ELSE 'No SEN' END`
		for _, u := range re.CorrectedUPN {
			var stale, fixed, mart string
			err := db.QueryRow(`
				SELECT
					any_value(`+strings.ReplaceAll(senStatus, "%s", "r.sen_provision")+`) FILTER (WHERE l.path <> ?),
					any_value(`+strings.ReplaceAll(senStatus, "%s", "r.sen_provision")+`) FILTER (WHERE l.path = ?),
					(SELECT sen_status FROM mart.pupils WHERE pupil_key = edwh_pupil_key(?) AND time_period = ?)
				FROM raw.census r JOIN ops.loads l ON l.load_id = r._load_id
				WHERE r.upn = ? AND edwh_year_of(r.census_date) = ?`,
				re.Path, re.Path, u, re.TimePeriod, u, re.TimePeriod).Scan(&stale, &fixed, &mart)
			if err != nil {
				t.Fatalf("pupil %s…: %v", u[:4], err)
			}
			if stale == fixed {
				t.Errorf("pupil %s…: the LA-wide file and the re-issue agree (%s): nothing was corrected", u[:4], stale)
			}
			if mart != fixed {
				t.Errorf("pupil %s…: mart.pupils sen_status %q, want the re-issue's %q (the superseded file says %q)", u[:4], mart, fixed, stale)
			}
		}
		// The superseded file's rows of the school stay in raw.census.
		hist := queryInt(t, db, `SELECT count(*) FROM raw.census r JOIN ops.loads l ON l.load_id = r._load_id
			WHERE l.path <> ? AND (r.laestab = ? OR r.urn = ?) AND edwh_year_of(r.census_date) = ?`,
			re.Path, re.LAESTAB, re.URN, re.TimePeriod)
		if hist != int64(re.Rows) {
			t.Errorf("raw.census keeps %d superseded rows of the re-issued school, want %d", hist, re.Rows)
		}
		// And mart.pupils counts each of the school's pupils once.
		if n := queryInt(t, db, `SELECT count(*) FROM mart.pupils WHERE urn = ? AND time_period = ?`, re.URN, re.TimePeriod); n != int64(re.Rows) {
			t.Errorf("mart.pupils has %d pupils at the re-issued school, want %d", n, re.Rows)
		}
	})
}

// TestMoversResultsGoToTheResultSchool: a pupil on the spring census roll
// of one school whose KS2 result and suspension come from another school's
// files (a mover between census and tests) has the result and the
// suspension at the school that sent them, and mart.pupils keeps the census
// school. A pupil who did not move is the control.
func TestMoversResultsGoToTheResultSchool(t *testing.T) {
	c, _ := deployment(t, false)
	mover, stayer := upn(t, "851200118001"), upn(t, "851200118002")
	writeLanding(t, c, map[string]string{
		"establishments/gias_extract.csv": smallSchools,
		"census/census_spring_2019.csv": "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n" +
			mover + ",8512001,17/01/2019,6,N,1\n" +
			stayer + ",8512001,17/01/2019,6,N,0\n",
		"ks2/ks2_2019.csv": "UPN,LAESTAB,AcademicYear,ReadScaled,MatScaled,GPSScaled,WritTA\n" +
			mover + ",8512002,2018-19,103,99,101,EXS\n" +
			stayer + ",8512001,2018-19,110,108,112,GDS\n",
		"exclusions/exclusions_2019.csv": "UPN,LAESTAB,Category,StartDate,Sessions,Reason1,Reason2,Reason3\n" +
			mover + ",8512002,SUSP,20/03/2019,2,VA,,\n",
	})
	runOnce(t, c)
	db := workingDB(t, c)
	cases := []struct {
		name, query, upn string
		want             int64
	}{
		{"mover's census school in pupils", `SELECT urn FROM mart.pupils WHERE pupil_key = edwh_pupil_key(?) AND time_period = 201819`, mover, 100001},
		{"mover's KS2 at the result file's school", `SELECT urn FROM mart.attainment WHERE pupil_key = edwh_pupil_key(?) AND key_stage = 'ks2' AND time_period = 201819`, mover, 100002},
		{"mover's suspension at the excluding school", `SELECT urn FROM mart.exclusions WHERE level = 'pupil' AND pupil_key = edwh_pupil_key(?) AND time_period = 201819`, mover, 100002},
		{"stayer's census school in pupils", `SELECT urn FROM mart.pupils WHERE pupil_key = edwh_pupil_key(?) AND time_period = 201819`, stayer, 100001},
		{"stayer's KS2 at the census school", `SELECT urn FROM mart.attainment WHERE pupil_key = edwh_pupil_key(?) AND key_stage = 'ks2' AND time_period = 201819`, stayer, 100001},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := queryInt(t, db, tc.query, tc.upn); got != tc.want {
				t.Errorf("urn %d, want %d", got, tc.want)
			}
		})
	}
	// One row each: the mover is not counted at both schools.
	for _, q := range []string{
		`SELECT count(*) FROM mart.pupils WHERE pupil_key = edwh_pupil_key(?)`,
		`SELECT count(*) FROM mart.attainment WHERE pupil_key = edwh_pupil_key(?) AND key_stage = 'ks2'`,
		`SELECT count(*) FROM mart.exclusions WHERE level = 'pupil' AND pupil_key = edwh_pupil_key(?)`,
	} {
		if n := queryInt(t, db, q, mover); n != 1 {
			t.Errorf("%s: %d rows, want 1", q, n)
		}
	}
}

// TestUnresolvedRegisterSchoolsAreQuarantined: programme register rows
// whose school does not resolve to one URN are listed in ops.quarantine
// (action 'unresolved') with the reason naming the candidate schools, count
// in no mart, and leave the list by themselves once an establishments
// extract that names the school is loaded.
func TestUnresolvedRegisterSchoolsAreQuarantined(t *testing.T) {
	c, _ := deployment(t, false)
	writeLanding(t, c, map[string]string{
		"establishments/gias_extract.csv": smallSchools +
			// a second school of the same name as Birch, also open in LA 851
			"100004,851,Demo LA,2003,Birch Primary School,Academy converter,Primary,01/09/2015,,4,11,LS1 1AD\n",
		"census/census_spring_2019.csv": "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n" +
			upn(t, "851200118001") + ",8512001,17/01/2019,1,N,0\n",
		"interventions/register.csv": "Programme,School,Role,GroupId,StartDate,EndDate,Lead,Cost\n" +
			"Reading Boost,Alder Primary School ,Participant,T1,01/09/2018,31/07/2019,SENCO,1200\n" +
			"Reading Boost,Alder Primry,Participant,T1,01/09/2018,31/07/2019,SENCO,1200\n" +
			"Reading Boost,Birch Primary School,Participant,T1,01/09/2018,31/07/2019,Head,1200\n" +
			"Reading Boost,Oak Tree Infants,Comparison,T1,01/09/2018,31/07/2019,,\n" +
			"Reading Boost,8519999,Coach,T1,01/09/2018,31/07/2019,Head,800\n",
	})
	sum := runOnce(t, c)
	if sum.RowsUnresolved != 4 {
		t.Errorf("summary: %d register rows held back, want 4", sum.RowsUnresolved)
	}
	db := workingDB(t, c)
	reason := func(line int) string {
		var r string
		err := db.QueryRow(`SELECT reason FROM ops.quarantine WHERE action = 'unresolved' AND source = 'interventions'
			AND file = 'interventions/register.csv' AND line = ? AND "column" = 'school' AND run_id = ?`, line, sum.RunID).Scan(&r)
		if err == sql.ErrNoRows {
			return ""
		} else if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		name string
		line int
		want []string // in the reason; none: not quarantined
	}{
		{"exact name with a trailing space resolves", 2, nil},
		{"misspelt name names the school it resembles", 3, []string{"no school of this name", "candidates: Alder Primary School (URN 100001)"}},
		{"name shared by two open schools names both", 4, []string{"matches 2 schools", "Birch Primary School (URN 100002)", "Birch Primary School (URN 100004)"}},
		{"unknown name without a similar one says what to give", 5, []string{"no similar school name: give the URN or LAESTAB"}},
		{"unknown LAESTAB", 6, []string{"LAESTAB 8519999 is not in the establishments reference"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := reason(tc.line)
			if tc.want == nil && got != "" {
				t.Errorf("line %d quarantined: %s", tc.line, got)
			}
			if tc.want != nil && got == "" {
				t.Fatalf("line %d is not in ops.quarantine", tc.line)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("line %d: reason %q does not say %q", tc.line, got, w)
				}
			}
		})
	}
	// Held back: the programme's schools in the marts are the resolved one only.
	if n := queryInt(t, db, `SELECT count(DISTINCT urn) FROM stg.programme_schools WHERE programme = 'Reading Boost'`); n != 1 {
		t.Errorf("stg.programme_schools has %d schools of the programme, want the 1 resolved", n)
	}

	// GIAS now lists Oak Tree Infants: the next run resolves the row and
	// takes it off the list; the others stay, listed once.
	writeLanding(t, c, map[string]string{
		"establishments/gias_extract_2.csv": "URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,PhaseOfEducation (name)\n" +
			"100005,851,Demo LA,2004,Oak Tree Infants,Primary\n",
	})
	db.Close()
	sum2 := runOnce(t, c)
	db = workingDB(t, c)
	if sum2.RowsUnresolved != 3 {
		t.Errorf("after the new extract: %d rows held back, want 3", sum2.RowsUnresolved)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM ops.quarantine WHERE action = 'unresolved'`); n != 3 {
		t.Errorf("ops.quarantine lists %d unresolved rows after the second run, want 3 (no repeats, the resolved one gone)", n)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM ops.quarantine WHERE action = 'unresolved' AND line = 5`); n != 0 {
		t.Errorf("Oak Tree Infants is still quarantined after GIAS listed it")
	}
	if n := queryInt(t, db, `SELECT count(*) FROM stg.interventions WHERE line = 5 AND urn = 100005 AND resolved_by = 'name'`); n != 1 {
		t.Errorf("Oak Tree Infants did not resolve to URN 100005")
	}
}

// TestProgressShowsRowsLoaded: the terminal progress line counts files and
// the rows loaded and quarantined so far, updated as each file loads.
func TestProgressShowsRowsLoaded(t *testing.T) {
	c, _ := deployment(t, false)
	// One source at a time, so that the running totals are in file order.
	c.IngestWorkers = 1
	writeLanding(t, c, map[string]string{
		"establishments/gias_extract.csv": smallSchools,
		"census/census_spring_2019.csv": "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n" +
			upn(t, "851200118001") + ",8512001,17/01/2019,1,N,0\n" +
			upn(t, "851200118002") + ",8512001,17/01/2019,1,Z,0\n" + // not a SEN provision code
			upn(t, "851200118003") + ",8512001,17/01/2019,1,K,1\n",
	})
	var out bytes.Buffer
	if _, err := (&pipeline.Runner{Config: c, Progress: &out}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(out.String(), "\r\033[K") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	for _, want := range []string{
		"ingest establishments 1/1, 0 rows loaded, 0 quarantined: establishments/gias_extract.csv",
		"ingest establishments 1/1, 3 rows loaded, 0 quarantined: establishments/gias_extract.csv",
		"ingest census 1/1, 5 rows loaded, 1 quarantined: census/census_spring_2019.csv",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("no progress line %q in %q", want, lines)
		}
	}
}

// TestUPNInAMartPublishesNothing lands, on top of a good published run, an
// establishments extract whose school name holds a UPN (a data entry
// slip): it reaches mart.schools, and so both the snapshot and the Parquet
// files, and the publish must refuse it with ErrPrivacy, name the table and
// column without the value, and leave the previous version current. The
// scan reads the marts the snapshot and the Parquet copy, beside the
// snapshot; this is its end-to-end test.
func TestUPNInAMartPublishesNothing(t *testing.T) {
	c, _ := deployment(t, false)
	writeSmallLA(t, c)
	first := runOnce(t, c)
	before := fingerprint(t, c)

	planted := upn(t, "851200118009")
	writeLanding(t, c, map[string]string{
		"establishments/gias_extract.csv": strings.Replace(smallSchools, "Birch Primary School", "Birch Primary School "+planted, 1),
	})
	sum, err := (&pipeline.Runner{Config: c}).Run(context.Background())
	if !errors.Is(err, pipeline.ErrPrivacy) {
		t.Fatalf("run with a UPN in a school name: %v, want ErrPrivacy", err)
	}
	if !strings.Contains(err.Error(), "schools.name") {
		t.Errorf("the refusal %q does not name schools.name", err)
	}
	if strings.Contains(err.Error(), planted[1:10]) {
		t.Errorf("the refusal %q prints the UPN", err)
	}
	if sum.Published != "" {
		t.Errorf("the run published %s", sum.Published)
	}
	cur, _ := os.Readlink(filepath.Join(c.PublishDir(), "current"))
	if !strings.HasSuffix(cur, first.Published) {
		t.Errorf("current is %s, want the previous version %s", cur, first.Published)
	}
	if got := fingerprint(t, c); got != before {
		t.Errorf("the published snapshot changed:\n got %s\nwant %s", got, before)
	}
	versions, err := os.ReadDir(filepath.Join(c.PublishDir(), ".versions"))
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 1 {
		t.Errorf("publish/.versions holds %d versions, want the first run's alone (the refused one removed)", len(versions))
	}
}
