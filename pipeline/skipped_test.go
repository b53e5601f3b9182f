package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// TestSkippedTriggersAreRecordedInRuns: a trigger skipped because a run was
// under way, and one skipped because a manual run held the warehouse, are
// noted at once and end up in ops.runs as status 'skipped', trigger
// 'schedule', with the reason; not lost if nothing runs afterwards, not
// recorded twice.
func TestSkippedTriggersAreRecordedInRuns(t *testing.T) {
	c, _ := deployment(t, false)
	os.MkdirAll(c.LandingDir(), 0o755)
	at1 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	at2 := at1.Add(24 * time.Hour)
	if err := pipeline.NoteSkipped(c, pipeline.Skipped{Trigger: "schedule", At: at1, Job: "nightly"}); err != nil {
		t.Fatal(err)
	}
	// While a manual run holds the warehouse the skips cannot be written
	// to the database: they stay noted.
	lock, err := pipeline.AcquireLock(filepath.Join(c.WarehouseDir(), "edwh.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pipeline.NoteSkipped(c, pipeline.Skipped{Trigger: "schedule", At: at2, Job: "nightly",
		Reason: "job nightly did not run: another edwh run is using this warehouse (pid 1)"}); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.RecordSkipped(context.Background(), c); !errors.Is(err, pipeline.ErrLocked) {
		t.Fatalf("recording while locked: %v", err)
	}
	lock.Release()
	// The scheduler stops: it records them itself (no later run needed).
	if err := pipeline.RecordSkipped(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantTotal int64) {
		t.Helper()
		db, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query(`SELECT started_at, trigger, error FROM ops.runs WHERE status = 'skipped' ORDER BY started_at`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var at time.Time
			var trig, e string
			rows.Scan(&at, &trig, &e)
			got = append(got, at.UTC().Format(time.RFC3339)+" "+trig+" "+e)
		}
		if len(got) != 2 || !strings.HasPrefix(got[0], "2026-01-05T02:00:00Z schedule a run was under way when job nightly fired") ||
			!strings.HasPrefix(got[1], "2026-01-06T02:00:00Z schedule job nightly did not run: another edwh run") {
			t.Errorf("%s: skipped runs %q", when, got)
		}
		if n := queryInt(t, db, `SELECT count(*) FROM ops.runs`); n != wantTotal {
			t.Errorf("%s: %d runs, want %d", when, n, wantTotal)
		}
	}
	check("after the scheduler stopped", 2)
	if _, err := os.Stat(filepath.Join(c.WarehouseDir(), "skipped.jsonl")); !os.IsNotExist(err) {
		t.Errorf("journal left behind: %v", err)
	}
	// A crash after the insert but before the journal was emptied: the
	// next run does not record the skips twice.
	pipeline.NoteSkipped(c, pipeline.Skipped{Trigger: "schedule", At: at1, Job: "nightly"})
	if _, err := (&pipeline.Runner{Config: c}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("after a run", 3)
}
