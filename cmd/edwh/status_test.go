package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edwh/edwh/pipeline/warehouse"
)

// TestStatusStaleness: `edwh status` judges the snapshot by the run ledger,
// not by file times. A deployment copied elsewhere (publish/ files all new)
// whose last successful run was three days ago is STALE; a run that found
// nothing new since confirms the snapshot; a failed last run is STALE.
func TestStatusStaleness(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "la")
	if code, _, e := edwh(t, "init", "--la", "851", dir); code != 0 {
		t.Fatal(e)
	}
	cfg := filepath.Join(dir, "edwh.yaml")
	// A published version, its files just written (as by a copy).
	ver := filepath.Join(dir, "publish", ".versions", "20260101-020000-1")
	os.MkdirAll(ver, 0o755)
	os.WriteFile(filepath.Join(ver, "edwh.duckdb"), []byte("x"), 0o644)
	os.Symlink(filepath.Join(".versions", "20260101-020000-1"), filepath.Join(dir, "publish", "current"))

	exec := func(q string) {
		t.Helper()
		db, err := warehouse.Open(filepath.Join(dir, "warehouse", "edwh.duckdb"), warehouse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := warehouse.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	status := func(want ...string) {
		t.Helper()
		code, out, e := edwh(t, "status", "--config", cfg)
		if code != 0 {
			t.Fatalf("status %d: %s", code, e)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("status lacks %q:\n%s", w, out)
			}
		}
	}
	os.MkdirAll(filepath.Join(dir, "warehouse"), 0o755)
	exec(`INSERT INTO ops.runs (run_id, started_at, finished_at, trigger, status, published)
		VALUES (1, now()::TIMESTAMP - INTERVAL 1 HOUR - INTERVAL 5 MINUTE, now()::TIMESTAMP - INTERVAL 1 HOUR, 'schedule', 'succeeded', '20260101-020000-1')`)
	status("published: 20260101-020000-1, 1h0m0s ago", "snapshot:  up to date")

	exec(`UPDATE ops.runs SET finished_at = now()::TIMESTAMP - INTERVAL 3 DAY, started_at = now()::TIMESTAMP - INTERVAL 3 DAY - INTERVAL 5 MINUTE`)
	status("published: 20260101-020000-1, 72h0m0s ago", "STALE:     the last successful run (1) finished 72h0m0s ago, more than 36h0m0s (schedule.stale_after)")

	// A shorter stale_after from the config is what counts.
	f, _ := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\nschedule:\n  stale_after: 100h\n")
	f.Close()
	status("snapshot:  up to date")
	os.WriteFile(cfg, []byte(strings.Replace(mustRead(t, cfg), "stale_after: 100h", "stale_after: 36h", 1)), 0o644)

	// Nothing new since: a run an hour ago confirms the snapshot.
	exec(`INSERT INTO ops.runs (run_id, started_at, finished_at, trigger, status)
		VALUES (2, now()::TIMESTAMP - INTERVAL 61 MINUTE, now()::TIMESTAMP - INTERVAL 1 HOUR, 'schedule', 'unchanged')`)
	status("published: 20260101-020000-1, 72h0m0s ago", "snapshot:  up to date")

	// A skipped trigger is not a run; a failed one leaves the snapshot stale.
	exec(`INSERT INTO ops.runs (run_id, started_at, finished_at, trigger, status, error)
		VALUES (3, now()::TIMESTAMP - INTERVAL 10 MINUTE, now()::TIMESTAMP - INTERVAL 9 MINUTE, 'schedule', 'failed', '3 blocking data check(s) failed'),
		       (4, now()::TIMESTAMP - INTERVAL 1 MINUTE, now()::TIMESTAMP - INTERVAL 1 MINUTE, 'schedule', 'skipped', 'a run was under way')`)
	status("last run:  3 failed (schedule)", "STALE:     the last run did not publish")
}
