package pipeline_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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

// TestFailingBlockingCheckPublishesNothing plants data that breaks a
// blocking check (an audit export for a LAESTAB the establishments
// reference does not know, so stg.audit gets a row with no URN) on top of a
// good published run: the run exits non-zero naming the check, publish/
// still points at the previous snapshot with its content, and ops.checks
// keeps the 'fail' row of the failed run.
func TestFailingBlockingCheckPublishesNothing(t *testing.T) {
	c, _ := deployment(t, false)
	writeLanding(t, c, map[string]string{
		"establishments/gias_extract.csv": smallSchools,
		"census/census_spring_2019.csv": "UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\n" +
			upn(t, "851200118001") + ",8512001,17/01/2019,1,N,0\n" +
			upn(t, "851200118002") + ",8512001,17/01/2019,1,K,1\n",
	})
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
