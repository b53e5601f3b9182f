package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/internal/failpoint"
	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// TestCancelMidTransform is the scheduler's shutdown against a real run:
// SIGTERM's grace runs out and the run's context is cancelled while the
// models are being built. The run returns a cancellation, is recorded as
// failed with that reason, the working database opens, publish/ is the
// previous version untouched, and the next run publishes.
func TestCancelMidTransform(t *testing.T) {
	c, _ := deployment(t, true)
	first := runOnce(t, c)
	before := fingerprint(t, c)
	os.WriteFile(filepath.Join(c.LandingDir(), "census", "late.csv"),
		[]byte("UPN,LAESTAB,CensusDate,NCyearActual,SENprovision,FSMeligible\nB801200005001,8512001,17/01/2019,5,N,0\n"), 0o644)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reached := false
	remove := failpoint.SetHook(func(name string, n int) {
		if name == "transform" && n == 2 {
			reached = true
			cancel() // SIGTERM, grace over
		}
		if name == "before-publish" || name == "publish" {
			t.Errorf("a cancelled run reached %s", name)
		}
	})
	sum, err := (&pipeline.Runner{Config: c, Trigger: "schedule"}).Run(ctx)
	remove()
	if !reached {
		t.Fatalf("the run never reached the second model (%+v)", sum)
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "nothing was published") {
		t.Fatalf("cancelled run returned %v", err)
	}
	if pipeline.Transient(err) {
		t.Error("a cancelled run would be retried")
	}
	if sum.Published != "" || sum.Status != pipeline.StatusFailed {
		t.Errorf("cancelled run: %+v", sum)
	}
	cur, _ := os.Readlink(filepath.Join(c.PublishDir(), "current"))
	if !strings.HasSuffix(cur, first.Published) {
		t.Errorf("current is %s, want the first run's %s", cur, first.Published)
	}
	if got := fingerprint(t, c); got != before {
		t.Error("a cancelled run changed the published content")
	}
	db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		t.Fatalf("the working database does not open after a cancelled run: %v", err)
	}
	var status, trigger, errText string
	if err := db.QueryRow(`SELECT status, trigger, error FROM ops.runs WHERE run_id = ?`, sum.RunID).Scan(&status, &trigger, &errText); err != nil {
		t.Fatal(err)
	}
	if status != pipeline.StatusFailed || trigger != "schedule" || !strings.Contains(errText, "cancelled") {
		t.Errorf("ledger: %s %s %q", status, trigger, errText)
	}
	if problem := loadsWhole(db); problem != "" {
		t.Error(problem)
	}
	db.Close()

	again := runOnce(t, c)
	if again.Status != pipeline.StatusSucceeded || again.Published == "" || again.Published == first.Published {
		t.Errorf("rerun after the cancelled run: %+v", again)
	}
}
